using System.ComponentModel.DataAnnotations;
using Plus.Prompts;

namespace Plus;

/// <summary>Top-level options of Plus.Sdk, bound from the <c>Plus</c> configuration section.</summary>
public sealed class PlusOptions
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
    /// such as <c>Plus:Prompts:Pets:SummaryPrefix</c>. Checked at start-up by <see cref="PlusOptionsValidator"/>.
    /// </summary>
    public PromptTemplateOptions Prompts { get; set; } = new();
}
