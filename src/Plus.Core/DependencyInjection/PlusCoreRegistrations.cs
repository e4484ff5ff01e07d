using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;
using Plus.Prompts;

namespace Plus;

/// <summary>The core (backend-free) registrations shared by both <c>AddPlus</c> overloads.</summary>
internal static class PlusCoreRegistrations
{
    /// <summary>Adds the core services with TryAdd so that earlier registrations win.</summary>
    public static void Register(IServiceCollection services)
    {
        ArgumentNullException.ThrowIfNull(services);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlusOptions>, OptionsValidator<PlusOptions>>());

        // Prompt templates of the configured domain (appendices D-F) and the conditioning renderer built on them.
        services.TryAddSingleton(sp =>
        {
            var options = sp.GetRequiredService<IOptions<PlusOptions>>().Value;
            var domain = PromptTemplateOptions.ParseDomain(options.Domain);
            return new PromptRenderer(domain, options.Prompts.For(domain));
        });
        services.TryAddSingleton(sp => new ConditioningRenderer(sp.GetRequiredService<PromptRenderer>()));

        // Zero-shot prompts (appendix G).
        services.TryAddSingleton(sp => new ZeroShotPromptRenderer(sp.GetRequiredService<IOptions<PlusOptions>>().Value.Prompts.ZeroShot));

        // Summary extraction; register your own SummaryExtractor first to add a token limit with your tokenizer.
        services.TryAddSingleton(sp => new SummaryExtractor(sp.GetRequiredService<IOptions<PlusOptions>>().Value.MaxSummaryWords));
    }
}
