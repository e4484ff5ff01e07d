namespace Plus.Torch.Reward;

/// <summary>
/// A preference pair with what the reward model is told about the user: one Bradley-Terry training item
/// (for PLUS, the target pair with the freshly generated summary).
/// </summary>
/// <param name="Pair">The prompt with the chosen and the rejected response.</param>
/// <param name="Conditioning">The conditioning both responses are scored under.</param>
public sealed record ConditionedPair(PreferencePair Pair, UserConditioning Conditioning)
{
    /// <summary>The query that scores the chosen response.</summary>
    public RewardQuery ChosenQuery => new(Pair.Prompt, Pair.Chosen, Conditioning);

    /// <summary>The query that scores the rejected response.</summary>
    public RewardQuery RejectedQuery => new(Pair.Prompt, Pair.Rejected, Conditioning);
}
