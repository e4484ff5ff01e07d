using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>
/// Generalized advantage estimation (Schulman et al., 2016) over masked token sequences, as OpenRLHF's
/// <c>get_advantages_and_returns</c>.
/// </summary>
/// <remarks>
/// Computed backwards in time over the response tokens of each row:
/// <c>δ_t = r_t + γ·V_next − V_t</c>, <c>Â_t = δ_t + γλ·Â_next</c>, <c>returns_t = Â_t + V_t</c>, where "next" is
/// the next <em>unmasked</em> token of the row (V_next = 0 and Â_next = 0 after its last one). Masked positions
/// contribute nothing: they get Â = 0 and returns = 0 and are skipped by the recursion, so a row's result does not
/// depend on how much padding follows (or precedes) it. For right-padded rows this equals OpenRLHF exactly.
/// Runs without gradients (values are detached).
/// </remarks>
public static class Gae
{
    /// <summary>Computes advantages and returns.</summary>
    /// <param name="rewards">[B, T] per-token rewards (<see cref="KlPenalty.ComputeRewards"/>).</param>
    /// <param name="values">[B, T] the critic's values V(s_t) at the same tokens.</param>
    /// <param name="mask">[B, T] response mask, 0/1.</param>
    /// <param name="gamma">Discount γ in [0, 1] (the paper: 1).</param>
    /// <param name="lambda">GAE λ in [0, 1] (the paper: 0.95).</param>
    /// <returns>Advantages and returns, [B, T] each, in the dtype of <paramref name="values"/>.</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not [B, T].</exception>
    /// <exception cref="ArgumentOutOfRangeException">γ or λ is outside [0, 1].</exception>
    public static GaeResult Compute(Tensor rewards, Tensor values, Tensor mask, double gamma = 1.0, double lambda = 0.95)
    {
        MaskedTensorOps.CheckRank2(values, nameof(values));
        MaskedTensorOps.CheckSameShape(values, nameof(values), rewards, nameof(rewards));
        MaskedTensorOps.CheckSameShape(values, nameof(values), mask, nameof(mask));
        if (!(gamma >= 0 && gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(gamma), gamma, "γ must lie in [0, 1].");
        if (!(lambda >= 0 && lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(lambda), lambda, "λ must lie in [0, 1].");

        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var dtype = values.dtype;
        var m = mask.to_type(dtype);
        var v = values.detach() * m;
        var r = rewards.detach().to_type(dtype) * m;
        long steps = values.shape[1];

        var lastGae = zeros(values.shape[0], dtype: dtype, device: values.device);
        var nextValue = zeros_like(lastGae);
        var columns = new Tensor[steps];
        for (long t = steps - 1; t >= 0; t--)
        {
            var mt = m.select(1, t);
            var vt = v.select(1, t);
            var delta = r.select(1, t) + gamma * nextValue - vt;
            var gae = (delta + gamma * lambda * lastGae) * mt;
            columns[t] = gae;
            var keep = 1 - mt;
            lastGae = gae + keep * lastGae;
            nextValue = vt * mt + keep * nextValue;
        }

        var advantages = stack(columns, 1);
        var returns = (advantages + v) * m;
        return new GaeResult(advantages.MoveToOuterDisposeScope(), returns.MoveToOuterDisposeScope());
    }
}
