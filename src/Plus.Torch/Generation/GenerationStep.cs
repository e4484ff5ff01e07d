namespace Plus.Torch.Generation;

/// <summary>One decoding step of a streamed generation.</summary>
/// <param name="Step">The step index (0 for the first new token).</param>
/// <param name="TokenIds">The token of each row at this step (<see cref="GenerationOptions.PadTokenId"/> for rows already finished).</param>
/// <param name="LogProbs">The log-prob of each row's token (0 for rows already finished).</param>
/// <param name="Active">Whether each row produced a real token at this step (false once it had finished before).</param>
/// <param name="FinishReasons">For each row, why it finished at or before this step; <see langword="null"/> while it runs.</param>
public sealed record GenerationStep(
    int Step,
    IReadOnlyList<int> TokenIds,
    IReadOnlyList<float> LogProbs,
    IReadOnlyList<bool> Active,
    IReadOnlyList<FinishReason?> FinishReasons);
