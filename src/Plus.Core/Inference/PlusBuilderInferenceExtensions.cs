using Microsoft.Extensions.DependencyInjection.Extensions;
using Plus;
using Plus.Inference;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers PLUS inference (paper Algorithm 2) over the summarizer and reward model in DI.</summary>
public static class PlusBuilderInferenceExtensions
{
    /// <summary>
    /// Registers <see cref="ConditionedPreferencePredictor"/> and maps <see cref="IPreferencePredictor"/> to it unless one is
    /// already registered. It needs an <see cref="IUserSummarizer"/> and an <see cref="IRewardModel"/> in DI; resolving
    /// it without them fails with a message naming the missing service.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddSummaryPreferencePredictor(this PlusBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton(sp => new ConditionedPreferencePredictor(
            Require<IUserSummarizer>(sp, "an IUserSummarizer (for example the Torch summarizer)"),
            Require<IRewardModel>(sp, "an IRewardModel (the summary-conditioned reward model)")));
        builder.Services.TryAddSingleton<IPreferencePredictor>(sp => sp.GetRequiredService<ConditionedPreferencePredictor>());
        return builder;
    }

    private static T Require<T>(IServiceProvider services, string what)
        where T : class =>
        services.GetService<T>()
        ?? throw new InvalidOperationException($"{nameof(ConditionedPreferencePredictor)} needs {what} registered in DI; register one before resolving IPreferencePredictor.");
}
