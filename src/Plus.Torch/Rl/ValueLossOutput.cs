using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>The output of <see cref="PpoLosses.ValueLoss"/>.</summary>
/// <param name="Loss">Scalar loss to minimize, with gradients to the new values.</param>
/// <param name="ClipFraction">Scalar, detached: the fraction of unmasked tokens where the clipped squared error was strictly larger (the clipped branch was used).</param>
/// <remarks>The tensors belong to the dispose scope that was current when they were computed; <see cref="Dispose"/> frees both.</remarks>
public sealed record ValueLossOutput(Tensor Loss, Tensor ClipFraction) : IDisposable
{
    /// <summary>Disposes the tensors.</summary>
    public void Dispose()
    {
        Loss.Dispose();
        ClipFraction.Dispose();
    }
}
