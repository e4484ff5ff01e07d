using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plus;
using Plus.Prompts;
using Plus.Torch;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the TorchSharp backend (reward models) and the Bradley-Terry trainers (BTL, ICL, Oracle) to <c>AddPlus()</c>.</summary>
public static class PlusBuilderTorchExtensions
{
    /// <summary>
    /// Registers the TorchSharp backend: <see cref="TorchBackendOptions"/> validated at start-up and
    /// <see cref="ConditionedRewardModelFactory"/> (its device and dtype reach every model the backend loads). When
    /// <see cref="TorchBackendOptions.ModelPath"/> is a trained reward model (a <c>*ForSequenceClassification</c> folder,
    /// or an adapter with its head), <see cref="IRewardModel"/> resolves to it; a language model without a trained head
    /// is refused with an error pointing to <c>AddPlusModel</c> (it would score at random). Prompts and conditioning come
    /// from the <c>AddPlus()</c> domain.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddTorchBackend(this PlusBuilder builder, Action<TorchBackendOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<TorchBackendOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddBackendServices(builder);
    }

    /// <summary>Registers the TorchSharp backend with options bound from <paramref name="configuration"/> (pass the <c>Plus:Torch</c> section).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddTorchBackend(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<TorchBackendOptions>().Bind(configuration).ValidateOnStart();
        return AddBackendServices(builder);
    }

    /// <summary>
    /// Registers three <see cref="BradleyTerryTrainer"/>s as <see cref="IPreferenceTrainer"/>: BTL (no conditioning), ICL
    /// (past pairs in the prompt) and Oracle (true preference text), each also as a keyed service under its name. They
    /// share <see cref="BradleyTerryOptions"/> (validated at start-up; its <see cref="BradleyTerryOptions.Kind"/> and
    /// <see cref="BradleyTerryOptions.Name"/> are set per trainer; an unset <see cref="BradleyTerryOptions.Seed"/> takes
    /// <c>Plus:Seed</c>) and build a fresh model from the backend for every run, owned by the returned model; a
    /// <see cref="BradleyTerryOptions.CheckpointDirectory"/> gets one sub-folder per method (<c>BTL</c>, <c>ICL</c>,
    /// <c>Oracle</c>) and a <see cref="BradleyTerryOptions.MetricsPath"/> one file per method (<c>metrics.ICL.jsonl</c>).
    /// Needs <c>AddTorchBackend</c>. Calling it twice registers nothing more.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Configures the shared options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddBradleyTerryTrainers(this PlusBuilder builder, Action<BradleyTerryOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<BradleyTerryOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddTrainerServices(builder);
    }

    /// <summary>Registers the Bradley-Terry trainers with options bound from <paramref name="configuration"/> (the <c>Plus:Torch:BradleyTerry</c> section).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddBradleyTerryTrainers(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<BradleyTerryOptions>().Bind(configuration).ValidateOnStart();
        return AddTrainerServices(builder);
    }

    private static PlusBuilder AddBackendServices(PlusBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TorchBackendOptions>, OptionsValidator<TorchBackendOptions>>());
        services.TryAddSingleton(sp => new ConditionedRewardModelFactory(
            sp.GetRequiredService<IOptions<TorchBackendOptions>>().Value,
            sp.GetRequiredService<ConditioningRenderer>()));
        services.TryAddSingleton(sp => sp.GetRequiredService<ConditionedRewardModelFactory>().CreateTrained());
        services.TryAddSingleton<IRewardModel>(sp => sp.GetRequiredService<ConditionedRewardModel>());
        return builder;
    }

    private static PlusBuilder AddTrainerServices(PlusBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<BradleyTerryOptions>, OptionsValidator<BradleyTerryOptions>>());
        if (services.Any(d => d.ServiceType == typeof(TrainerMarker))) return builder;
        services.AddSingleton<TrainerMarker>();
        foreach (var kind in new[] { ConditioningKind.None, ConditioningKind.Context, ConditioningKind.Oracle })
        {
            string name = PreferenceMethods.ForConditioning(kind);
            services.AddKeyedSingleton<IPreferenceTrainer>(name, (sp, _) => CreateTrainer(sp, kind));
            services.AddSingleton(sp => sp.GetRequiredKeyedService<IPreferenceTrainer>(name));
        }

        return builder;
    }

    private static BradleyTerryTrainer CreateTrainer(IServiceProvider services, ConditioningKind kind)
    {
        var shared = services.GetRequiredService<IOptions<BradleyTerryOptions>>().Value.Clone();
        shared.Kind = kind;
        shared.Name = PreferenceMethods.ForConditioning(kind);
        shared.Seed ??= services.GetService<IOptions<PlusOptions>>()?.Value.Seed;
        // Each method gets its own checkpoints and metrics, so that the three never resume from each other.
        if (shared.CheckpointDirectory is { } dir) shared.CheckpointDirectory = Path.Combine(dir, shared.Name);
        if (shared.MetricsPath is { } metrics)
        {
            shared.MetricsPath = Path.Combine(Path.GetDirectoryName(metrics) ?? string.Empty, $"{Path.GetFileNameWithoutExtension(metrics)}.{shared.Name}{Path.GetExtension(metrics)}");
        }

        var factory = services.GetService<ConditionedRewardModelFactory>()
            ?? throw new InvalidOperationException("The Bradley-Terry trainers need the TorchSharp backend: call AddPlus().AddTorchBackend(...) as well.");
        return new BradleyTerryTrainer(
            shared,
            factory.Create,
            services.GetService<ILogger<BradleyTerryTrainer>>(),
            services.GetService<TimeProvider>(),
            ownsModels: true);
    }

    private sealed class TrainerMarker;
}
