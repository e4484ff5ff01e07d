using static TorchSharp.torch;

namespace Plus.Torch.Generation;

/// <summary>
/// The result of <see cref="TokenGenerator.Generate"/>: per-row tokens, log-probs and finish reasons, and the batched
/// tensors PPO needs. Owns its tensors: dispose it (or let the enclosing dispose scope free them).
/// </summary>
public sealed class GenerationOutput : IDisposable
{
    internal GenerationOutput(
        IReadOnlyList<GeneratedSequence> sequences,
        int promptLength,
        Tensor sequenceIds,
        Tensor attentionMask,
        Tensor newTokenMask,
        Tensor newTokenLogProbs)
    {
        Sequences = sequences;
        PromptLength = promptLength;
        SequenceIds = sequenceIds;
        AttentionMask = attentionMask;
        NewTokenMask = newTokenMask;
        NewTokenLogProbs = newTokenLogProbs;
    }

    /// <summary>Per row: new tokens, log-probs, finish reason.</summary>
    public IReadOnlyList<GeneratedSequence> Sequences { get; }

    /// <summary>T, the (padded) prompt length.</summary>
    public int PromptLength { get; }

    /// <summary>N, the number of decoding steps run (the longest row's new-token count, or a few more).</summary>
    public int Steps => (int)NewTokenLogProbs.shape[1];

    /// <summary>[B, T + N] int64: the left-padded prompt followed by the new tokens (pad after a row finished).</summary>
    public Tensor SequenceIds { get; }

    /// <summary>[B, T + N] int64: the prompt's attention mask followed by <see cref="NewTokenMask"/>'s new-token part.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>[B, T + N] int64: 1 on generated tokens that count (up to and including a stop token), 0 on the prompt and after a row finished.</summary>
    public Tensor NewTokenMask { get; }

    /// <summary>[B, N] fp32: the log-prob of each new token; 0 after a row finished.</summary>
    public Tensor NewTokenLogProbs { get; }

    /// <inheritdoc />
    public void Dispose()
    {
        SequenceIds.Dispose();
        AttentionMask.Dispose();
        NewTokenMask.Dispose();
        NewTokenLogProbs.Dispose();
    }
}
