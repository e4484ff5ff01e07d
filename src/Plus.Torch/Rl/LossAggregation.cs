namespace Plus.Torch.Rl;

/// <summary>How a per-token loss [B, T] is reduced to a scalar over the response mask.</summary>
public enum LossAggregation
{
    /// <summary>The mean over all unmasked tokens of the batch (every token weighs the same; OpenRLHF's token-level loss).</summary>
    TokenMean = 0,

    /// <summary>The mean over each row's unmasked tokens, then the mean over rows (every sequence weighs the same).</summary>
    SequenceMean = 1,
}
