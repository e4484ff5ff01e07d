using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plus;
using Plus.Baselines.Trainers;
using Plus.Torch.Reward;
using Plus.Training;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>
/// Registers the Plus.Baselines trainers by method name: DPL (<see cref="DplTrainer"/>) and VPL
/// (<see cref="VplTrainer"/>), each as a keyed <see cref="IPreferenceTrainer"/> under its name and as an unkeyed one.
/// BTL, ICL and Oracle come from <c>AddBradleyTerryTrainers</c>, PLUS and PLUS-untrained from <c>AddPlusTrainers</c>.
/// </summary>
public static class PlusBuilderBaselinesExtensions
{
    /// <summary>
    /// Registers DPL. Its options are validated at start-up; an unset training seed takes <c>Plus:Seed</c>; every run
    /// builds a fresh reward model from the TorchSharp backend, owned by the returned model. Needs <c>AddTorchBackend</c>.
    /// Calling it twice registers nothing more.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddDplTrainer(this PlusBuilder builder, Action<DplTrainerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<DplTrainerOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddDpl(builder);
    }

    /// <summary>Registers DPL with options bound from <paramref name="configuration"/> (the <c>Plus:Baselines:Dpl</c> section: <c>Head:Variant</c>, <c>Training:Epochs</c>, …).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddDplTrainer(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<DplTrainerOptions>().Bind(configuration).ValidateOnStart();
        return AddDpl(builder);
    }

    /// <summary>
    /// Registers VPL. Its options are validated at start-up; an unset training seed takes <c>Plus:Seed</c>; every run
    /// builds a fresh frozen backbone from the TorchSharp backend, owned by the returned model. Needs <c>AddTorchBackend</c>.
    /// Calling it twice registers nothing more.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Configures the options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddVplTrainer(this PlusBuilder builder, Action<VplTrainerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<VplTrainerOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddVpl(builder);
    }

    /// <summary>Registers VPL with options bound from <paramref name="configuration"/> (the <c>Plus:Baselines:Vpl</c> section: <c>Vpl:KlWeight</c>, <c>Training:Epochs</c>, …).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddVplTrainer(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<VplTrainerOptions>().Bind(configuration).ValidateOnStart();
        return AddVpl(builder);
    }

    private static PlusBuilder AddDpl(PlusBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<DplTrainerOptions>, OptionsValidator<DplTrainerOptions>>());
        if (services.Any(d => d.ServiceType == typeof(DplMarker))) return builder;
        services.AddSingleton<DplMarker>();
        services.AddKeyedSingleton<IPreferenceTrainer>(PreferenceMethods.Dpl, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptions<DplTrainerOptions>>().Value.Clone();
            options.Training.Seed ??= sp.GetService<IOptions<PlusOptions>>()?.Value.Seed;
            return new DplTrainer(options, Factory(sp, PreferenceMethods.Dpl).Create, sp.GetService<ILogger<DplTrainer>>(), sp.GetService<TimeProvider>(), ownsModels: true);
        });
        services.AddSingleton(sp => sp.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Dpl));
        return builder;
    }

    private static PlusBuilder AddVpl(PlusBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<VplTrainerOptions>, OptionsValidator<VplTrainerOptions>>());
        if (services.Any(d => d.ServiceType == typeof(VplMarker))) return builder;
        services.AddSingleton<VplMarker>();
        services.AddKeyedSingleton<IPreferenceTrainer>(PreferenceMethods.Vpl, (sp, _) =>
        {
            var options = sp.GetRequiredService<IOptions<VplTrainerOptions>>().Value.Clone();
            options.Training.Seed ??= sp.GetService<IOptions<PlusOptions>>()?.Value.Seed;
            return new VplTrainer(options, Factory(sp, PreferenceMethods.Vpl).Create, sp.GetService<ILogger<VplTrainer>>(), sp.GetService<TimeProvider>(), ownsModels: true);
        });
        services.AddSingleton(sp => sp.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Vpl));
        return builder;
    }

    private static ConditionedRewardModelFactory Factory(IServiceProvider services, string method) =>
        services.GetService<ConditionedRewardModelFactory>()
        ?? throw new InvalidOperationException($"The {method} trainer needs the TorchSharp backend: call AddPlus().AddTorchBackend(...) as well.");

    private sealed class DplMarker;

    private sealed class VplMarker;
}
