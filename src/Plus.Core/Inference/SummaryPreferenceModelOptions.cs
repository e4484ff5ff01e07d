namespace Plus.Inference;

/// <summary>Options of <see cref="SummaryPreferenceModel"/>.</summary>
public sealed class SummaryPreferenceModelOptions
{
    /// <summary>The method's name in result tables (default <c>PLUS</c>).</summary>
    public string Name { get; set; } = "PLUS";

    /// <summary>How many distinct contexts are sent to the summarizer per call (default 32).</summary>
    public int SummaryBatchSize { get; set; } = 32;

    /// <summary>How many reward queries (two per example) are sent to the reward model per call (default 64).</summary>
    public int RewardBatchSize { get; set; } = 64;

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (string.IsNullOrWhiteSpace(Name)) throw new ArgumentException("SummaryPreferenceModelOptions.Name must not be empty.", nameof(Name));
        if (SummaryBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(SummaryBatchSize), SummaryBatchSize, "SummaryPreferenceModelOptions.SummaryBatchSize must be at least 1.");
        if (RewardBatchSize < 2) throw new ArgumentOutOfRangeException(nameof(RewardBatchSize), RewardBatchSize, "SummaryPreferenceModelOptions.RewardBatchSize must be at least 2 (one example's two responses).");
    }
}
