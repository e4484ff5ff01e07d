using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>The output of <see cref="Gae.Compute"/>: advantages and returns, both [B, T] and 0 on padding.</summary>
/// <param name="Advantages">[B, T] GAE advantages Â_t.</param>
/// <param name="Returns">[B, T] value targets Â_t + V_t.</param>
/// <remarks>The tensors belong to the dispose scope that was current when they were computed; <see cref="Dispose"/> frees both.</remarks>
public sealed record GaeResult(Tensor Advantages, Tensor Returns) : IDisposable
{
    /// <summary>Disposes both tensors.</summary>
    public void Dispose()
    {
        Advantages.Dispose();
        Returns.Dispose();
    }
}
