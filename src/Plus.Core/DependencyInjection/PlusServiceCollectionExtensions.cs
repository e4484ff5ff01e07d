using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Plus;

// Extension methods for IServiceCollection live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Registers Plus.Sdk's core services.</summary>
public static class PlusServiceCollectionExtensions
{
    /// <summary>
    /// Adds Plus.Sdk's core services with <see cref="PlusOptions"/> validated at start-up. Registrations use
    /// <c>TryAdd</c>, so a service registered before this call replaces the default.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configure">Optional configuration of the options.</param>
    /// <returns>A builder for adding a backend and methods.</returns>
    public static PlusBuilder AddPlus(this IServiceCollection services, Action<PlusOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(services);
        var options = services.AddOptions<PlusOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddCore(services);
    }

    /// <summary>
    /// Adds Plus.Sdk's core services with <see cref="PlusOptions"/> bound from <paramref name="configuration"/>
    /// (pass the <c>Plus</c> section) and validated at start-up.
    /// </summary>
    /// <param name="services">The service collection.</param>
    /// <param name="configuration">The configuration section holding the options.</param>
    /// <returns>A builder for adding a backend and methods.</returns>
    public static PlusBuilder AddPlus(this IServiceCollection services, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(services);
        ArgumentNullException.ThrowIfNull(configuration);
        services.AddOptions<PlusOptions>().Bind(configuration).ValidateOnStart();
        return AddCore(services);
    }

    private static PlusBuilder AddCore(IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        PlusCoreRegistrations.Register(services);
        return new PlusBuilder(services);
    }
}
