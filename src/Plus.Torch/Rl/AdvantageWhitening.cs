using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>Whitening of advantages over the masked entries of a batch (OpenRLHF's advantage normalization).</summary>
/// <remarks>
/// <c>μ = Σ m·x / Σ m</c>, <c>σ² = Σ m·(x − μ)² / Σ m</c> (the population variance over the selected entries),
/// <c>x' = (x − μ) / √(σ² + ε)</c>, and <c>x' + μ</c> when the mean is not shifted. Masked entries come out 0.
/// Runs without gradients.
/// </remarks>
public static class AdvantageWhitening
{
    /// <summary>Whitens <paramref name="advantages"/> over the entries where <paramref name="mask"/> is 1.</summary>
    /// <param name="advantages">[B, T] (any shape matching the mask).</param>
    /// <param name="mask">0/1 mask of the same shape.</param>
    /// <param name="shiftMean">True (the default) to subtract the mean; false to keep it (scale only).</param>
    /// <param name="epsilon">Added to the variance before the square root.</param>
    /// <returns>The whitened tensor, same shape and dtype, 0 where the mask is 0.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    public static Tensor Whiten(Tensor advantages, Tensor mask, bool shiftMean = true, double epsilon = 1e-8)
    {
        MaskedTensorOps.CheckSameShape(advantages, nameof(advantages), mask, nameof(mask));
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var m = mask.to_type(advantages.dtype);
        var mean = MaskedTensorOps.Mean(advantages, m);
        var centered = advantages - mean;
        var variance = MaskedTensorOps.Mean(centered.square(), m);
        var whitened = centered * (variance + epsilon).rsqrt();
        if (!shiftMean)
        {
            whitened = whitened + mean;
        }

        return (whitened * m).MoveToOuterDisposeScope();
    }
}
