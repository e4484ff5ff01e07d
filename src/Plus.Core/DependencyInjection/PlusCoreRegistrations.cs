using Microsoft.Extensions.DependencyInjection;

namespace Plus;

/// <summary>The core (backend-free) registrations shared by both <c>AddPlus</c> overloads.</summary>
internal static class PlusCoreRegistrations
{
    /// <summary>Adds the core services with TryAdd so that earlier registrations win.</summary>
    public static void Register(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        // Prompt templates, summary extraction and metrics register here (see Prompts/ and Metrics/).
    }
}
