namespace Plus.Prompts;

/// <summary>
/// The data domain whose prompt wording is used (paper appendices D-F). Configured as the string
/// <see cref="PlusOptions.Domain"/>: <c>pets</c>, <c>ultrafeedback</c>, <c>prism</c> or <c>generic</c>.
/// </summary>
public enum PromptDomain
{
    /// <summary>Any other data: UltraFeedback's first-person wording with a neutral Oracle prefix.</summary>
    Generic = 0,

    /// <summary>The synthetic Pets data set (from VPL).</summary>
    Pets = 1,

    /// <summary>UltraFeedback-P (UF-P-2, UF-P-4).</summary>
    UltraFeedback = 2,

    /// <summary>PRISM, with multi-turn conversations and an optional survey profile.</summary>
    Prism = 3,
}
