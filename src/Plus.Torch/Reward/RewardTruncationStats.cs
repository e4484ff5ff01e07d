namespace Plus.Torch.Reward;

/// <summary>How often <see cref="RewardTextEncoder"/> had to cut, since it was created or last reset.</summary>
/// <param name="Encoded">Queries encoded.</param>
/// <param name="Truncated">Queries that needed any cut.</param>
/// <param name="DroppedContextPairs">Past pairs left out of ICL prompts, in all.</param>
/// <param name="DroppedPromptTurns">Prompt turns left out, in all.</param>
/// <param name="MiddleCuts">Queries whose prompt was cut in the middle.</param>
/// <param name="HardCuts">Queries whose start (chat header, conditioning) had to be cut off.</param>
public sealed record RewardTruncationStats(
    long Encoded,
    long Truncated,
    long DroppedContextPairs,
    long DroppedPromptTurns,
    long MiddleCuts,
    long HardCuts)
{
    /// <summary>The share of encoded queries that were truncated (0 when none was encoded).</summary>
    public double TruncatedFraction => Encoded == 0 ? 0 : (double)Truncated / Encoded;
}
