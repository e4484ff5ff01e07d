using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>
/// The KL penalty to the reference policy and the per-token reward of PPO for language models (as OpenRLHF's
/// <c>compute_approx_kl</c> and <c>compute_reward</c>).
/// </summary>
/// <remarks>
/// Shapes are over the generated (response) tokens only: <c>[B, T]</c>, with a response mask <c>[B, T]</c> of 0/1
/// that is 1 on real response tokens and 0 on padding. Rows may have different lengths.
/// Sign conventions: the KL estimate is positive when the policy puts more mass than the reference on its own
/// samples (k1 = log π − log π_ref); the penalty enters the reward with a minus sign, <c>−β·kl_t</c>, so a larger β
/// pulls the policy towards the reference. The sequence reward (for PLUS, <c>log σ(r(chosen|z) − r(rejected|z))</c>,
/// which is ≤ 0 and higher when the summary helps the reward model) is added unchanged at the last response token.
/// </remarks>
public static class KlPenalty
{
    /// <summary>Per-token KL estimates of the policy against the reference, zero where the mask is 0.</summary>
    /// <param name="logProbs">[B, T] log π(a_t) of the sampled tokens under the policy.</param>
    /// <param name="referenceLogProbs">[B, T] log π_ref(a_t) of the same tokens under the reference policy.</param>
    /// <param name="mask">[B, T] response mask, 0/1.</param>
    /// <param name="estimator">Which estimator (see <see cref="KlEstimator"/>).</param>
    /// <returns>[B, T] in the dtype of <paramref name="logProbs"/>; not detached (detach the inputs for a reward).</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not [B, T].</exception>
    public static Tensor Estimate(Tensor logProbs, Tensor referenceLogProbs, Tensor mask, KlEstimator estimator = KlEstimator.K1)
    {
        MaskedTensorOps.CheckRank2(logProbs, nameof(logProbs));
        MaskedTensorOps.CheckSameShape(logProbs, nameof(logProbs), referenceLogProbs, nameof(referenceLogProbs));
        MaskedTensorOps.CheckSameShape(logProbs, nameof(logProbs), mask, nameof(mask));
        using var scope = NewDisposeScope();
        var logRatio = logProbs - referenceLogProbs.to_type(logProbs.dtype);
        Tensor kl = estimator switch
        {
            KlEstimator.K1 => logRatio,
            KlEstimator.K2 => logRatio.square() * 0.5,
            KlEstimator.K3 => (-logRatio).exp() - 1 + logRatio,
            _ => throw new ArgumentOutOfRangeException(nameof(estimator), estimator, "Use K1, K2 or K3."),
        };
        var result = kl * mask.to_type(logProbs.dtype);
        return result.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The per-token reward: <c>reward_t = −β·kl_t</c> at every response token, plus the sequence reward of the row
    /// at its last response token (found from the mask). Padding gets 0. A row with an empty mask gets nothing.
    /// </summary>
    /// <param name="sequenceRewards">[B] one scalar reward per row (for example the reward model's score).</param>
    /// <param name="kl">[B, T] per-token KL estimates (<see cref="Estimate"/>); entries under a 0 mask are ignored.</param>
    /// <param name="mask">[B, T] response mask, 0/1.</param>
    /// <param name="beta">The KL coefficient β ≥ 0.</param>
    /// <param name="rewardClip">When set, the sequence rewards are clamped to [−clip, clip] first (OpenRLHF clamps to ±10).</param>
    /// <returns>[B, T] rewards in the dtype of <paramref name="kl"/>, computed without gradients.</returns>
    /// <exception cref="ArgumentException">The shapes do not match.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="beta"/> is negative or not finite, or <paramref name="rewardClip"/> is not positive.</exception>
    public static Tensor ComputeRewards(Tensor sequenceRewards, Tensor kl, Tensor mask, double beta, double? rewardClip = null)
    {
        MaskedTensorOps.CheckRank2(kl, nameof(kl));
        MaskedTensorOps.CheckSameShape(kl, nameof(kl), mask, nameof(mask));
        MaskedTensorOps.CheckShape(sequenceRewards, nameof(sequenceRewards), kl.shape[0]);
        if (!double.IsFinite(beta) || beta < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "The KL coefficient must be a finite number ≥ 0.");
        }

        if (rewardClip is { } c && !(c > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(rewardClip), rewardClip, "The reward clip must be positive.");
        }

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var m = mask.to_type(kl.dtype);
        var seq = sequenceRewards.to_type(kl.dtype).to(kl.device);
        if (rewardClip is { } clip)
        {
            seq = seq.clamp(-clip, clip);
        }

        var last = MaskedTensorOps.LastIndex(mask);
        var positions = arange(kl.shape[1], dtype: ScalarType.Int64, device: kl.device).unsqueeze(0);
        var atLast = positions.eq(last.unsqueeze(1)).to_type(kl.dtype);
        var rewards = (-beta) * kl.detach() * m + atLast * seq.unsqueeze(1);
        return rewards.MoveToOuterDisposeScope();
    }
}
