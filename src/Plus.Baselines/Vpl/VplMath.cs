using Plus.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Vpl;

/// <summary>VPL's latent-variable arithmetic as tensor functions (differentiable, fp32; results in the current dispose scope).</summary>
public static class VplMath
{
    /// <summary>
    /// <c>KL(N(μ, σ²) ‖ N(0, I))</c> per row, <c>½·Σ_d (μ_d² + σ_d² − 1 − log σ_d²)</c>, averaged over the rows.
    /// </summary>
    /// <param name="mean">[B, L] μ.</param>
    /// <param name="logVariance">[B, L] log σ².</param>
    /// <returns>A scalar (nats).</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not [B, L].</exception>
    public static Tensor GaussianKl(Tensor mean, Tensor logVariance)
    {
        CheckPair(mean, nameof(mean), logVariance, nameof(logVariance));
        using var scope = NewDisposeScope();
        var perRow = (mean.square() + logVariance.exp() - 1 - logVariance).sum(1) * 0.5;
        return perRow.mean().MoveToOuterDisposeScope();
    }

    /// <summary>Rescales each row to Euclidean length <paramref name="length"/>: <c>z · length / ‖z‖</c> (‖z‖ floored at 1e-12).</summary>
    /// <param name="z">[B, L].</param>
    /// <param name="length">The target length, &gt; 0 (VPL: √L).</param>
    /// <returns>[B, L].</returns>
    public static Tensor RescaleToLength(Tensor z, double length)
    {
        ArgumentNullException.ThrowIfNull(z);
        if (!(length > 0)) throw new ArgumentOutOfRangeException(nameof(length), length, "The target length must be positive.");
        using var scope = NewDisposeScope();
        var norm = z.square().sum(-1, keepdim: true).sqrt().clamp_min(1e-12);
        return (z * length / norm).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The training latent: <c>z = μ + σ·ε</c> with <c>σ = exp(½·log σ²)</c> and ε ~ N(0, I), rescaled to length √L.
    /// </summary>
    /// <param name="mean">[B, L] μ.</param>
    /// <param name="logVariance">[B, L] log σ².</param>
    /// <param name="generator">The noise's generator; null uses the global one.</param>
    /// <returns>[B, L] with every row of length √L.</returns>
    public static Tensor SampleLatent(Tensor mean, Tensor logVariance, Generator? generator = null)
    {
        CheckPair(mean, nameof(mean), logVariance, nameof(logVariance));
        using var scope = NewDisposeScope();
        var noise = randn(mean.shape, ScalarType.Float32, generator: generator).to(mean.device);
        var z = mean + (logVariance * 0.5).exp() * noise;
        return RescaleToLength(z, Math.Sqrt(mean.shape[1])).MoveToOuterDisposeScope();
    }

    private static void CheckPair(Tensor a, string aName, Tensor b, string bName)
    {
        ArgumentNullException.ThrowIfNull(a, aName);
        ArgumentNullException.ThrowIfNull(b, bName);
        if (a.ndim != 2) throw new ArgumentException($"{aName} must be [batch, latent], found {SafetensorsTensorInfo.FormatShape(a.shape)}.", aName);
        if (!a.shape.SequenceEqual(b.shape))
        {
            throw new ArgumentException($"{bName} {SafetensorsTensorInfo.FormatShape(b.shape)} must have the shape of {aName} {SafetensorsTensorInfo.FormatShape(a.shape)}.", bName);
        }
    }
}
