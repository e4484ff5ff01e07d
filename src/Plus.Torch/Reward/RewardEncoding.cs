namespace Plus.Torch.Reward;

/// <summary>
/// The token ids a reward model reads for one query, and what truncation had to cut to fit them into
/// <see cref="RewardTextEncoder.MaxLength"/>.
/// </summary>
/// <param name="TokenIds">The ids, at most <see cref="RewardTextEncoder.MaxLength"/> of them.</param>
/// <param name="DroppedContextPairs">Oldest past pairs left out of an ICL prompt (<see cref="ConditioningKind.Context"/>).</param>
/// <param name="DroppedPromptTurns">Oldest prompt turns left out of a multi-turn prompt.</param>
/// <param name="PromptMiddleCut">Whether tokens were cut from the middle of a prompt turn.</param>
/// <param name="HardCut">
/// Whether the text was still too long after every gentler cut and its start (chat header, conditioning) was cut
/// off: the response and its end are always kept.
/// </param>
public sealed record RewardEncoding(
    IReadOnlyList<int> TokenIds,
    int DroppedContextPairs = 0,
    int DroppedPromptTurns = 0,
    bool PromptMiddleCut = false,
    bool HardCut = false)
{
    /// <summary>Whether anything was cut.</summary>
    public bool Truncated => DroppedContextPairs > 0 || DroppedPromptTurns > 0 || PromptMiddleCut || HardCut;
}
