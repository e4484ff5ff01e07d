namespace Plus.Torch.Summarization;

/// <summary>
/// How often <see cref="TorchUserSummarizer"/> had to cut a prompt to fit the model's positions, since it was created
/// or last reset (the summarizer's counterpart of <see cref="Reward.RewardTruncationStats"/>).
/// </summary>
/// <param name="Prompts">Prompts rendered for generation.</param>
/// <param name="Truncated">Prompts that needed any cut.</param>
/// <param name="DroppedContextPairs">Past pairs left out of contexts (the oldest first), in all.</param>
/// <param name="ShortenedTurns">Turns (prompt turns, chosen or rejected responses of the kept pairs) cut in the middle, in all.</param>
public sealed record SummarizerTruncationStats(
    long Prompts,
    long Truncated,
    long DroppedContextPairs,
    long ShortenedTurns)
{
    /// <summary>The share of rendered prompts that were truncated (0 when none was rendered).</summary>
    public double TruncatedFraction => Prompts == 0 ? 0 : (double)Truncated / Prompts;
}
