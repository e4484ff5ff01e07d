using Microsoft.Extensions.DependencyInjection;

namespace Plus;

/// <summary>
/// Returned by <c>AddPlus()</c>: the place where backends and methods add their registrations
/// (for example <c>.AddTorchBackend()</c> from Plus.Torch).
/// </summary>
public sealed class PlusBuilder
{
    /// <summary>Creates a builder over <paramref name="services"/>.</summary>
    public PlusBuilder(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        Services = services;
    }

    /// <summary>The service collection being configured.</summary>
    public IServiceCollection Services { get; }
}
