namespace Plus.Prompts;

/// <summary>
/// Every prompt template of Plus.Sdk, bound from <c>Plus:Prompts</c> (<see cref="PlusOptions.Prompts"/>). Each
/// domain starts with the paper's text; set only the templates you want to change, for example
/// <c>Plus:Prompts:Prism:SummaryPrefix</c>. A missing required placeholder fails options validation with a
/// message naming the option.
/// </summary>
public sealed class PromptTemplateOptions
{
    /// <summary>The option path of these options: <c>Plus:Prompts</c>.</summary>
    public const string Path = PlusOptions.SectionName + ":" + nameof(PlusOptions.Prompts);

    /// <summary>Pets templates.</summary>
    public DomainPromptTemplates Pets { get; set; } = DomainPromptTemplates.CreatePets();

    /// <summary>UltraFeedback-P templates.</summary>
    public DomainPromptTemplates UltraFeedback { get; set; } = DomainPromptTemplates.CreateUltraFeedback();

    /// <summary>PRISM templates.</summary>
    public DomainPromptTemplates Prism { get; set; } = DomainPromptTemplates.CreatePrism();

    /// <summary>Generic templates, for data of any other origin.</summary>
    public DomainPromptTemplates Generic { get; set; } = DomainPromptTemplates.CreateGeneric();

    /// <summary>Zero-shot (appendix G) templates, shared by every domain.</summary>
    public ZeroShotPromptTemplates ZeroShot { get; set; } = new();

    /// <summary>The templates of <paramref name="domain"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="domain"/> is not a defined value.</exception>
    public DomainPromptTemplates For(PromptDomain domain) => domain switch
    {
        PromptDomain.Pets => Pets,
        PromptDomain.UltraFeedback => UltraFeedback,
        PromptDomain.Prism => Prism,
        PromptDomain.Generic => Generic,
        _ => throw new ArgumentOutOfRangeException(nameof(domain), domain, "Expected Pets, UltraFeedback, Prism or Generic."),
    };

    /// <summary>The option path of <paramref name="domain"/>'s templates, such as <c>Plus:Prompts:Pets</c>.</summary>
    public static string PathOf(PromptDomain domain) => $"{Path}:{domain}";

    /// <summary>
    /// Parses a domain name as written in <see cref="PlusOptions.Domain"/> (<c>pets</c>, <c>ultrafeedback</c>,
    /// <c>prism</c>, <c>generic</c>; case-insensitive).
    /// </summary>
    /// <exception cref="ArgumentException">The name is none of these; the message lists the valid names.</exception>
    public static PromptDomain ParseDomain(string domain)
    {
        ArgumentNullException.ThrowIfNull(domain);
        return domain.Trim().ToLowerInvariant() switch
        {
            "pets" => PromptDomain.Pets,
            "ultrafeedback" => PromptDomain.UltraFeedback,
            "prism" => PromptDomain.Prism,
            "generic" => PromptDomain.Generic,
            _ => throw new ArgumentException($"Plus:Domain '{domain}' is not one of pets, ultrafeedback, prism, generic.", nameof(domain)),
        };
    }

    /// <summary>Checks every template; each message names the option (such as <c>Plus:Prompts:Pets:Summarizer</c>).</summary>
    /// <returns>The problems found; empty when all templates are valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        foreach (var domain in Enum.GetValues<PromptDomain>())
        {
            var templates = For(domain);
            if (templates is null) errors.Add($"{PathOf(domain)} must not be null.");
            else errors.AddRange(templates.Validate(PathOf(domain)));
        }

        if (ZeroShot is null) errors.Add($"{Path}:{nameof(ZeroShot)} must not be null.");
        else errors.AddRange(ZeroShot.Validate($"{Path}:{nameof(ZeroShot)}"));
        return errors;
    }
}
