using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>The clipped PPO losses (Schulman et al., 2017) over masked token sequences, as OpenRLHF's <c>PolicyLoss</c> and <c>ValueLoss</c>.</summary>
/// <remarks>
/// Policy: <c>ρ_t = exp(log π(a_t) − log π_old(a_t))</c>,
/// <c>ℓ_t = −min(ρ_t·Â_t, clip(ρ_t, 1 − ε, 1 + ε)·Â_t)</c>.
/// Where the clipped term is the minimum (Â &gt; 0 and ρ &gt; 1 + ε, or Â &lt; 0 and ρ &lt; 1 − ε) the gradient is 0.
/// Value: <c>V^clip_t = V_old + clip(V − V_old, −ε_v, ε_v)</c>,
/// <c>ℓ_t = ½·max((V_t − R_t)², (V^clip_t − R_t)²)</c>.
/// Both are reduced over the response mask by <see cref="LossAggregation"/>.
/// </remarks>
public static class PpoLosses
{
    /// <summary>The clipped surrogate policy loss.</summary>
    /// <param name="logProbs">[B, T] log π(a_t) under the current policy (with gradients).</param>
    /// <param name="oldLogProbs">[B, T] log π_old(a_t) recorded at rollout time (treated as constants).</param>
    /// <param name="advantages">[B, T] advantages (usually whitened; treated as constants).</param>
    /// <param name="mask">[B, T] response mask, 0/1.</param>
    /// <param name="clipEpsilon">ε &gt; 0 (the paper: 0.2).</param>
    /// <param name="aggregation">How tokens are averaged.</param>
    /// <returns>The loss, the clip fraction and an approximate KL.</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not [B, T].</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipEpsilon"/> is not in (0, 1).</exception>
    public static PolicyLossOutput PolicyLoss(
        Tensor logProbs, Tensor oldLogProbs, Tensor advantages, Tensor mask,
        double clipEpsilon = 0.2, LossAggregation aggregation = LossAggregation.TokenMean)
    {
        MaskedTensorOps.CheckRank2(logProbs, nameof(logProbs));
        MaskedTensorOps.CheckSameShape(logProbs, nameof(logProbs), oldLogProbs, nameof(oldLogProbs));
        MaskedTensorOps.CheckSameShape(logProbs, nameof(logProbs), advantages, nameof(advantages));
        MaskedTensorOps.CheckSameShape(logProbs, nameof(logProbs), mask, nameof(mask));
        if (!(clipEpsilon > 0 && clipEpsilon < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(clipEpsilon), clipEpsilon, "The PPO clip ε must lie in (0, 1).");
        }

        using var scope = NewDisposeScope();
        var m = mask.to_type(logProbs.dtype);
        var adv = advantages.detach().to_type(logProbs.dtype);
        var logRatio = logProbs - oldLogProbs.detach().to_type(logProbs.dtype);
        var ratio = logRatio.exp();
        var surrogate = ratio * adv;
        var clipped = ratio.clamp(1 - clipEpsilon, 1 + clipEpsilon) * adv;
        var perToken = -surrogate.minimum(clipped);
        var loss = Reduce(perToken, m, aggregation);

        Tensor clipFraction, approxKl;
        using (no_grad())
        {
            clipFraction = MaskedTensorOps.Mean(clipped.lt(surrogate).to_type(logProbs.dtype), m);
            var lr = logRatio.detach();
            approxKl = MaskedTensorOps.Mean(lr.exp() - 1 - lr, m);
        }

        return new PolicyLossOutput(
            loss.MoveToOuterDisposeScope(), clipFraction.MoveToOuterDisposeScope(), approxKl.MoveToOuterDisposeScope());
    }

    /// <summary>The clipped value loss with OpenRLHF's ½ factor.</summary>
    /// <param name="values">[B, T] V(s_t) from the current critic (with gradients).</param>
    /// <param name="oldValues">[B, T] values recorded at rollout time (constants).</param>
    /// <param name="returns">[B, T] value targets from <see cref="Gae.Compute"/> (constants).</param>
    /// <param name="mask">[B, T] response mask, 0/1.</param>
    /// <param name="clipEpsilon">ε_v &gt; 0 (the paper: 0.2), or null for the plain squared error.</param>
    /// <param name="aggregation">How tokens are averaged.</param>
    /// <returns>The loss and the fraction of tokens where the clipped branch was used.</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not [B, T].</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="clipEpsilon"/> is not positive.</exception>
    public static ValueLossOutput ValueLoss(
        Tensor values, Tensor oldValues, Tensor returns, Tensor mask,
        double? clipEpsilon = 0.2, LossAggregation aggregation = LossAggregation.TokenMean)
    {
        MaskedTensorOps.CheckRank2(values, nameof(values));
        MaskedTensorOps.CheckSameShape(values, nameof(values), oldValues, nameof(oldValues));
        MaskedTensorOps.CheckSameShape(values, nameof(values), returns, nameof(returns));
        MaskedTensorOps.CheckSameShape(values, nameof(values), mask, nameof(mask));
        if (clipEpsilon is { } ce && !(ce > 0))
        {
            throw new ArgumentOutOfRangeException(nameof(clipEpsilon), clipEpsilon, "The value clip ε must be positive (or null for no clipping).");
        }

        using var scope = NewDisposeScope();
        var m = mask.to_type(values.dtype);
        var target = returns.detach().to_type(values.dtype);
        var unclipped = (values - target).square();
        Tensor perToken;
        Tensor clipFraction;
        if (clipEpsilon is { } eps)
        {
            var old = oldValues.detach().to_type(values.dtype);
            var valuesClipped = old + (values - old).clamp(-eps, eps);
            var clippedError = (valuesClipped - target).square();
            perToken = unclipped.maximum(clippedError);
            using (no_grad())
            {
                clipFraction = MaskedTensorOps.Mean(clippedError.gt(unclipped).to_type(values.dtype), m);
            }
        }
        else
        {
            perToken = unclipped;
            clipFraction = zeros([], dtype: values.dtype, device: values.device);
        }

        var loss = 0.5 * Reduce(perToken, m, aggregation);
        return new ValueLossOutput(loss.MoveToOuterDisposeScope(), clipFraction.MoveToOuterDisposeScope());
    }

    private static Tensor Reduce(Tensor perToken, Tensor mask, LossAggregation aggregation) => aggregation switch
    {
        LossAggregation.TokenMean => MaskedTensorOps.Mean(perToken, mask),
        LossAggregation.SequenceMean => MaskedTensorOps.RowMean(perToken, mask).mean(),
        _ => throw new ArgumentOutOfRangeException(nameof(aggregation), aggregation, "Use TokenMean or SequenceMean."),
    };
}
