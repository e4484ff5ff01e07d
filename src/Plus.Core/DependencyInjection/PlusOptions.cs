using System.ComponentModel.DataAnnotations;
using Plus.Prompts;

namespace Plus;

/// <summary>Top-level options of Plus.Sdk, bound from the <c>Plus</c> configuration section.</summary>
public sealed class PlusOptions : IValidatableOptions
{
    /// <summary>The configuration section name: <c>Plus</c>.</summary>
    public const string SectionName = "Plus";

    /// <summary>The data domain whose prompt templates are used: <c>pets</c>, <c>ultrafeedback</c>, <c>prism</c> or <c>generic</c>.</summary>
    [Required]
    [RegularExpression("^(pets|ultrafeedback|prism|generic)$", ErrorMessage = "Plus:Domain must be one of pets, ultrafeedback, prism, generic.")]
    public string Domain { get; set; } = "generic";

    /// <summary>Seed for sampling and data shuffling; the same seed gives the same run.</summary>
    [Range(0, int.MaxValue)]
    public int Seed { get; set; } = 42;

    /// <summary>The largest number of summary words kept by <c>SummaryExtractor</c> (default 50, as the paper's prompt asks).</summary>
    [Range(1, 4096)]
    public int MaxSummaryWords { get; set; } = 50;

    /// <summary>
    /// Every prompt template (section <c>Plus:Prompts</c>), starting from the paper's text; override any one of them,
    /// such as <c>Plus:Prompts:Pets:SummaryPrefix</c>. Checked at start-up by <see cref="Validate"/>.
    /// </summary>
    public PromptTemplateOptions Prompts { get; set; } = new();

    /// <inheritdoc />
    /// <remarks>The data annotations, and every prompt template with its required placeholders and only the placeholders available to it (for example <c>Plus:Prompts:Pets:Summarizer is missing the required placeholder {pairs}.</c>).</remarks>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<System.ComponentModel.DataAnnotations.ValidationResult>();
        System.ComponentModel.DataAnnotations.Validator.TryValidateObject(this, new System.ComponentModel.DataAnnotations.ValidationContext(this), results, validateAllProperties: true);
        var errors = results.Select(r => r.ErrorMessage ?? $"{SectionName}:{string.Join(",", r.MemberNames)} is invalid.").ToList();
        if (Prompts is null) errors.Add($"{PromptTemplateOptions.Path} must not be null.");
        else errors.AddRange(Prompts.Validate());
        return errors;
    }
}
