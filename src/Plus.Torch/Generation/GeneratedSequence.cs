namespace Plus.Torch.Generation;

/// <summary>What one row generated.</summary>
/// <param name="TokenIds">The new tokens, including the stop token when there was one; no padding.</param>
/// <param name="LogProbs">The log-prob of each new token (see <see cref="GenerationOptions"/> for which distribution).</param>
/// <param name="FinishReason">Why the row stopped.</param>
public sealed record GeneratedSequence(IReadOnlyList<int> TokenIds, IReadOnlyList<float> LogProbs, FinishReason FinishReason);
