using static TorchSharp.torch;

namespace Plus.Baselines.Vpl;

/// <summary>
/// The result of <see cref="VplRewardModel.ForwardPairs"/> (differentiable); the tensors belong to the dispose scope
/// that was current when it was computed.
/// </summary>
/// <param name="Chosen">[B] rewards of the chosen responses under each pair's user latent.</param>
/// <param name="Rejected">[B] rewards of the rejected responses under the same latent.</param>
/// <param name="Mean">[B, L] μ of each pair's user (clamped to [−1, 1] when <see cref="VplNetwork.ClampMean"/>).</param>
/// <param name="LogVariance">[B, L] log σ² of each pair's user (clamped to [−1, 1]).</param>
/// <param name="Latent">[B, L] the z used: sampled and rescaled to length √L in train mode, μ in eval mode.</param>
public sealed record VplPairOutput(Tensor Chosen, Tensor Rejected, Tensor Mean, Tensor LogVariance, Tensor Latent);
