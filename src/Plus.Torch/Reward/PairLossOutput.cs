using static TorchSharp.torch;

namespace Plus.Torch.Reward;

/// <summary>
/// The result of <see cref="ConditionedRewardModel.PairLoss"/>: the Bradley-Terry loss and the rewards of both sides.
/// The tensors belong to the dispose scope that was current when it was computed.
/// </summary>
/// <param name="Loss">Scalar fp32 mean of <c>−log σ(r_c − r_r)</c>, differentiable.</param>
/// <param name="Chosen">[B] fp32 rewards of the chosen responses, differentiable.</param>
/// <param name="Rejected">[B] fp32 rewards of the rejected responses, differentiable.</param>
/// <param name="Truncated">How many of the 2B sequences had to be truncated.</param>
public sealed record PairLossOutput(Tensor Loss, Tensor Chosen, Tensor Rejected, int Truncated)
{
    /// <summary>The number of pairs.</summary>
    public long Count => Chosen.shape[0];

    /// <summary>Pairs whose chosen reward is strictly higher than the rejected one (a host sync).</summary>
    /// <returns>The count.</returns>
    public long CountCorrect()
    {
        using var scope = NewDisposeScope();
        return Chosen.detach().gt(Rejected.detach()).sum().item<long>();
    }
}
