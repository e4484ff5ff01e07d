using static TorchSharp.torch;

namespace Plus.Baselines.Dpl;

/// <summary>
/// The result of <see cref="DplRewardModel.PairLoss"/>; the tensors belong to the dispose scope that was current when
/// it was computed.
/// </summary>
/// <param name="Loss">The scalar DPL loss of the batch (differentiable).</param>
/// <param name="ChosenProbability">[B] probability that each chosen response is preferred (differentiable).</param>
/// <param name="RawChosen">[B, outputs] head outputs of the chosen responses.</param>
/// <param name="RawRejected">[B, outputs] head outputs of the rejected responses.</param>
/// <param name="Truncated">How many of the 2B sequences had to be truncated.</param>
public sealed record DplPairOutput(Tensor Loss, Tensor ChosenProbability, Tensor RawChosen, Tensor RawRejected, int Truncated);
