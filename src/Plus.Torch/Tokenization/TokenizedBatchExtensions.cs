using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Tokenization;

/// <summary>Turns a host-side <see cref="TokenizedBatch"/> into TorchSharp tensors.</summary>
public static class TokenizedBatchExtensions
{
    /// <summary>
    /// Copies the batch into three <c>int64</c> tensors <c>[batch, sequence]</c> on <paramref name="device"/>.
    /// The caller owns (and disposes) them; inside a dispose scope they join that scope.
    /// </summary>
    /// <param name="batch">The batch.</param>
    /// <param name="device">The device; null is the CPU.</param>
    /// <returns>Input ids, attention mask and position ids.</returns>
    public static (Tensor InputIds, Tensor AttentionMask, Tensor PositionIds) ToTensors(this TokenizedBatch batch, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(batch);
        return (
            torch.tensor(batch.InputIds, device: device),
            torch.tensor(batch.AttentionMask, device: device),
            torch.tensor(batch.PositionIds, device: device));
    }
}
