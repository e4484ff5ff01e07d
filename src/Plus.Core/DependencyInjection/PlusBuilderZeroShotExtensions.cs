using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.AI;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plus;
using Plus.Prompts;
using Plus.ZeroShot;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds zero-shot transfer of summaries through an <see cref="IChatClient"/> registered in DI.</summary>
public static class PlusBuilderZeroShotExtensions
{
    /// <summary>
    /// Registers <see cref="ChatClientPreferenceJudge"/> (LLM-as-judge) over the <see cref="IChatClient"/> in DI, and
    /// maps <see cref="IPreferencePredictor"/> to it unless one is already registered. An <see cref="IUserSummarizer"/>
    /// in DI, if any, writes summaries when none is passed. The seed defaults to <see cref="PlusOptions.Seed"/>.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Optional configuration of the judge's options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddChatClientJudge(this PlusBuilder builder, Action<ChatClientJudgeOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ChatClientJudgeOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddJudgeServices(builder);
    }

    /// <summary>Registers the LLM-as-judge with options bound from <paramref name="configuration"/> (the <c>Plus:Judge</c> section).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddChatClientJudge(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<ChatClientJudgeOptions>().Bind(configuration).ValidateOnStart();
        return AddJudgeServices(builder);
    }

    private static PlusBuilder AddJudgeServices(PlusBuilder builder)
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatClientJudgeOptions>, OptionsValidator<ChatClientJudgeOptions>>());
        builder.Services.TryAddSingleton(sp =>
        {
            var configured = sp.GetRequiredService<IOptions<ChatClientJudgeOptions>>().Value;
            var judgeOptions = new ChatClientJudgeOptions
            {
                Seed = configured.Seed ?? sp.GetRequiredService<IOptions<PlusOptions>>().Value.Seed,
                SummarizeWhenMissing = configured.SummarizeWhenMissing,
                MaxOutputTokens = configured.MaxOutputTokens,
                Temperature = configured.Temperature,
                ModelId = configured.ModelId,
            };
            return new ChatClientPreferenceJudge(
                RequireChatClient(sp, nameof(ChatClientPreferenceJudge)),
                sp.GetRequiredService<ZeroShotPromptRenderer>(),
                judgeOptions,
                sp.GetService<IUserSummarizer>(),
                sp.GetService<ILogger<ChatClientPreferenceJudge>>());
        });
        builder.Services.TryAddSingleton<IPreferencePredictor>(sp => sp.GetRequiredService<ChatClientPreferenceJudge>());
        return builder;
    }

    /// <summary>
    /// Registers <see cref="ChatClientPersonalizer"/> over the <see cref="IChatClient"/> in DI, and maps
    /// <see cref="IResponsePersonalizer"/> to it unless one is already registered. An <see cref="IUserSummarizer"/>
    /// and an <see cref="IRewardModel"/> in DI, if any, write summaries and rank best-of-N candidates.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Optional configuration of the personalizer's options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddChatClientPersonalizer(this PlusBuilder builder, Action<ChatClientPersonalizerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<ChatClientPersonalizerOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddPersonalizerServices(builder);
    }

    /// <summary>Registers the personalizer with options bound from <paramref name="configuration"/> (the <c>Plus:Personalizer</c> section).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddChatClientPersonalizer(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<ChatClientPersonalizerOptions>().Bind(configuration).ValidateOnStart();
        return AddPersonalizerServices(builder);
    }

    private static PlusBuilder AddPersonalizerServices(PlusBuilder builder)
    {
        builder.Services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<ChatClientPersonalizerOptions>, OptionsValidator<ChatClientPersonalizerOptions>>());
        builder.Services.TryAddSingleton(sp => new ChatClientPersonalizer(
            RequireChatClient(sp, nameof(ChatClientPersonalizer)),
            sp.GetRequiredService<ZeroShotPromptRenderer>(),
            sp.GetRequiredService<IOptions<ChatClientPersonalizerOptions>>().Value,
            sp.GetService<IUserSummarizer>(),
            sp.GetService<IRewardModel>()));
        builder.Services.TryAddSingleton<IResponsePersonalizer>(sp => sp.GetRequiredService<ChatClientPersonalizer>());
        return builder;
    }

    private static IChatClient RequireChatClient(IServiceProvider services, string consumer) =>
        services.GetService<IChatClient>()
        ?? throw new InvalidOperationException(
            $"{consumer} needs an IChatClient registered in DI; add one before resolving it (for example services.AddChatClient(...) from Microsoft.Extensions.AI).");
}
