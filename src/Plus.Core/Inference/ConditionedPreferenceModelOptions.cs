using Plus.Training;

namespace Plus.Inference;

/// <summary>Options of <see cref="ConditionedPreferenceModel"/>.</summary>
public sealed class ConditionedPreferenceModelOptions
{
    /// <summary>The method's name in result tables (default <c>PLUS</c>).</summary>
    public string Name { get; set; } = PreferenceMethods.Plus;

    /// <summary>How the reward model sees each example's user (default <see cref="ConditioningKind.Summary"/>).</summary>
    public ConditioningKind Kind { get; set; } = ConditioningKind.Summary;

    /// <summary>How many distinct contexts are sent to the summarizer per call (default 32).</summary>
    public int SummaryBatchSize { get; set; } = 32;

    /// <summary>How many reward queries (two per example) are sent to the reward model per call (default 64).</summary>
    public int RewardBatchSize { get; set; } = 64;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("ConditionedPreferenceModelOptions.Name must not be empty.", nameof(Name));
        if (!Enum.IsDefined(Kind)) throw new ArgumentOutOfRangeException(nameof(Kind), Kind, "ConditionedPreferenceModelOptions.Kind is not a conditioning kind.");
        if (SummaryBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(SummaryBatchSize), SummaryBatchSize, "ConditionedPreferenceModelOptions.SummaryBatchSize must be at least 1.");
        if (RewardBatchSize < 2) throw new ArgumentOutOfRangeException(nameof(RewardBatchSize), RewardBatchSize, "ConditionedPreferenceModelOptions.RewardBatchSize must be at least 2 (one example's two responses).");
    }
}
