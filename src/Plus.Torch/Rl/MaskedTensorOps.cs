using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>
/// Reductions over the entries of a tensor selected by a 0/1 mask, shared by the PPO maths.
/// </summary>
/// <remarks>
/// Masks may have any numeric or boolean dtype; they are converted to the value tensor's dtype. A mask entry of 1
/// selects the entry, 0 drops it. Every method returns tensors owned by the caller's dispose scope.
/// </remarks>
public static class MaskedTensorOps
{
    /// <summary>The mean of <paramref name="values"/> over the entries where <paramref name="mask"/> is 1.</summary>
    /// <param name="values">Any shape.</param>
    /// <param name="mask">The same shape as <paramref name="values"/>, 0/1.</param>
    /// <returns>A scalar tensor; 0 when the mask selects nothing (never NaN).</returns>
    public static Tensor Mean(Tensor values, Tensor mask)
    {
        CheckSameShape(values, nameof(values), mask, nameof(mask));
        using var scope = NewDisposeScope();
        var m = mask.to_type(values.dtype);
        var result = (values * m).sum() / m.sum().clamp_min(1.0);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>The mean of each row of <paramref name="values"/> over its masked entries.</summary>
    /// <param name="values">[B, T].</param>
    /// <param name="mask">[B, T], 0/1.</param>
    /// <returns>[B]; a row with no selected entry gives 0.</returns>
    public static Tensor RowMean(Tensor values, Tensor mask)
    {
        CheckSameShape(values, nameof(values), mask, nameof(mask));
        CheckRank2(values, nameof(values));
        using var scope = NewDisposeScope();
        var m = mask.to_type(values.dtype);
        var result = (values * m).sum(1) / m.sum(1).clamp_min(1.0);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The index of the last selected entry of each row, found from the mask (never from "the first pad").
    /// </summary>
    /// <param name="mask">[B, T], 0/1. Rows may have different lengths and any padding side.</param>
    /// <returns>[B] int64; −1 for a row whose mask selects nothing.</returns>
    public static Tensor LastIndex(Tensor mask)
    {
        CheckRank2(mask, nameof(mask));
        using var scope = NewDisposeScope();
        long t = mask.shape[1];
        var positions = arange(1, t + 1, dtype: ScalarType.Int64, device: mask.device).unsqueeze(0);
        var selected = mask.ne(0).to_type(ScalarType.Int64);
        var result = (selected * positions).amax([1L]) - 1;
        return result.MoveToOuterDisposeScope();
    }

    internal static void CheckSameShape(Tensor a, string aName, Tensor b, string bName)
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        if (!a.shape.SequenceEqual(b.shape))
        {
            throw new ArgumentException(
                $"Tensor '{bName}' has shape [{string.Join(", ", b.shape)}] but '{aName}' has shape [{string.Join(", ", a.shape)}]; they must match.",
                bName);
        }
    }

    internal static void CheckRank2(Tensor a, string name)
    {
        ArgumentNullException.ThrowIfNull(a, name);
        if (a.dim() != 2)
        {
            throw new ArgumentException(
                $"Tensor '{name}' must have shape [batch, tokens] but has shape [{string.Join(", ", a.shape)}].", name);
        }
    }

    internal static void CheckShape(Tensor a, string name, params long[] shape)
    {
        ArgumentNullException.ThrowIfNull(a, name);
        if (!a.shape.SequenceEqual(shape))
        {
            throw new ArgumentException(
                $"Tensor '{name}' must have shape [{string.Join(", ", shape)}] but has shape [{string.Join(", ", a.shape)}].", name);
        }
    }
}
