namespace Plus.Torch.Generation;

/// <summary>Why a row stopped generating.</summary>
public enum FinishReason
{
    /// <summary>It reached <see cref="GenerationOptions.MaxNewTokens"/> (or the generation was stopped for every row at that length).</summary>
    Length,

    /// <summary>It produced a stop token (<see cref="GenerationOptions.StopTokenIds"/>) or the stop predicate returned true.</summary>
    Stop,
}
