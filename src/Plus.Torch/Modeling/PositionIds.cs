using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>Position ids for left-padded batches.</summary>
public static class PositionIds
{
    /// <summary>
    /// <c>clamp(cumsum(mask) − 1, min 0)</c>: each row's first real token gets position 0 whatever the padding.
    /// </summary>
    /// <param name="attentionMask">[B, T], 1 (or true) on real tokens.</param>
    /// <returns>[B, T] int64 position ids (a new tensor).</returns>
    public static Tensor FromAttentionMask(Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(attentionMask);
        using var scope = NewDisposeScope();
        return attentionMask.to(ScalarType.Int64).cumsum(-1).sub_(1).clamp_min_(0).MoveToOuterDisposeScope();
    }
}
