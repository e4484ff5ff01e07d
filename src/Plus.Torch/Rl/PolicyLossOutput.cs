using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>The output of <see cref="PpoLosses.PolicyLoss"/>.</summary>
/// <param name="Loss">Scalar loss to minimize, with gradients to the new log-probabilities.</param>
/// <param name="ClipFraction">Scalar, detached: the fraction of unmasked tokens where the clipped term was strictly smaller (clipping active).</param>
/// <param name="ApproxKl">Scalar, detached: the masked mean of <c>(ρ − 1) − log ρ</c> with ρ = π/π_old (k3 of KL(π_old ‖ π)), a health metric.</param>
/// <remarks>The tensors belong to the dispose scope that was current when they were computed; <see cref="Dispose"/> frees all three.</remarks>
public sealed record PolicyLossOutput(Tensor Loss, Tensor ClipFraction, Tensor ApproxKl) : IDisposable
{
    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        ClipFraction.Dispose();
        ApproxKl.Dispose();
    }
}
