using Plus.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Dpl;

/// <summary>
/// The losses and preference probabilities of DPL's two heads, as tensor functions (differentiable, fp32; results in
/// the current dispose scope). Shapes: raw head outputs are [B, outputs]; probabilities and per-pair values are [B].
/// </summary>
/// <remarks>
/// <para><b>Mean-variance.</b> <c>μ = raw[:, 0]</c>, <c>σ = softplus(raw[:, 1])</c>;
/// <c>z = (μ_c − μ_r) / √(σ_c² + σ_r² + 1e-12)</c>; loss <c>mean(softplus(−√(2π)·z)) + w·mean(σ_c² + σ_r²)</c>;
/// <c>P(c ≻ r) = σ(√(2π)·z)</c>, so that the loss is exactly the log-loss of the reported probability.
/// <c>Φ(z)</c>, the Gaussian probability, orders pairs the same way (both are increasing in z and equal ½ at 0).</para>
/// <para><b>Categorical.</b> <c>p = softmax(raw)</c> over K atoms <c>a_k = k/(K−1)</c>;
/// <c>P(c ≻ r) = P(X_c &gt; X_r) + ½·P(X_c = X_r) = Σ_{i&gt;j} p_c[i]·p_r[j] + ½·Σ_i p_c[i]·p_r[i]</c>, computed in log
/// space; loss <c>mean(−log P(c ≻ r)) − β·H(p̄)</c>, where <c>p̄</c> is the mean of the 2B distributions (chosen and
/// rejected) of the batch and <c>H</c> the entropy in nats.</para>
/// </remarks>
public static class DplMath
{
    /// <summary>√(2π), the scale of the mean-variance loss.</summary>
    public static readonly double SqrtTwoPi = Math.Sqrt(2 * Math.PI);

    /// <summary>Added to <c>σ_c² + σ_r²</c> under the square root so that two collapsed variances never divide by zero.</summary>
    public const double VarianceEpsilon = 1e-12;

    /// <summary>Splits mean-variance outputs into the mean and the standard deviation.</summary>
    /// <param name="raw">[B, 2] head outputs.</param>
    /// <returns>μ [B] and σ = softplus(raw[:, 1]) [B], fp32.</returns>
    /// <exception cref="ArgumentException"><paramref name="raw"/> is not [B, 2].</exception>
    public static (Tensor Mean, Tensor Sigma) MeanAndSigma(Tensor raw)
    {
        CheckOutputs(raw, 2, nameof(raw));
        using var scope = NewDisposeScope();
        var r = raw.to(ScalarType.Float32);
        var mean = r.select(1, 0);
        var sigma = nn.functional.softplus(r.select(1, 1));
        return (mean.MoveToOuterDisposeScope(), sigma.MoveToOuterDisposeScope());
    }

    /// <summary>The standardized margin <c>z = (μ_c − μ_r) / √(σ_c² + σ_r² + ε)</c>.</summary>
    /// <param name="meanChosen">[B] μ of the chosen responses.</param>
    /// <param name="sigmaChosen">[B] σ of the chosen responses (&gt; 0).</param>
    /// <param name="meanRejected">[B] μ of the rejected responses.</param>
    /// <param name="sigmaRejected">[B] σ of the rejected responses (&gt; 0).</param>
    /// <returns>z [B].</returns>
    public static Tensor MeanVarianceZ(Tensor meanChosen, Tensor sigmaChosen, Tensor meanRejected, Tensor sigmaRejected)
    {
        ArgumentNullException.ThrowIfNull(meanChosen);
        ArgumentNullException.ThrowIfNull(sigmaChosen);
        ArgumentNullException.ThrowIfNull(meanRejected);
        ArgumentNullException.ThrowIfNull(sigmaRejected);
        using var scope = NewDisposeScope();
        var variance = sigmaChosen.square() + sigmaRejected.square() + VarianceEpsilon;
        return ((meanChosen - meanRejected) / variance.sqrt()).MoveToOuterDisposeScope();
    }

    /// <summary>The mean-variance preference probability <c>σ(√(2π)·z)</c>.</summary>
    /// <param name="z">[B] standardized margins.</param>
    /// <returns>[B] probabilities that the chosen response is preferred.</returns>
    public static Tensor MeanVarianceProbability(Tensor z)
    {
        ArgumentNullException.ThrowIfNull(z);
        return (z * SqrtTwoPi).sigmoid();
    }

    /// <summary>The mean-variance loss <c>mean(softplus(−√(2π)·z)) + w·mean(σ_c² + σ_r²)</c>.</summary>
    /// <param name="z">[B] standardized margins.</param>
    /// <param name="sigmaChosen">[B] σ of the chosen responses.</param>
    /// <param name="sigmaRejected">[B] σ of the rejected responses.</param>
    /// <param name="variancePenalty">w ≥ 0.</param>
    /// <returns>A scalar.</returns>
    public static Tensor MeanVarianceLoss(Tensor z, Tensor sigmaChosen, Tensor sigmaRejected, double variancePenalty = 0)
    {
        ArgumentNullException.ThrowIfNull(z);
        ArgumentNullException.ThrowIfNull(sigmaChosen);
        ArgumentNullException.ThrowIfNull(sigmaRejected);
        if (!(variancePenalty >= 0)) throw new ArgumentOutOfRangeException(nameof(variancePenalty), variancePenalty, "The variance penalty must be ≥ 0.");
        using var scope = NewDisposeScope();
        var loss = nn.functional.softplus(z * -SqrtTwoPi).mean();
        if (variancePenalty > 0) loss = loss + (sigmaChosen.square() + sigmaRejected.square()).mean() * variancePenalty;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The atoms of the categorical head: K values evenly spaced on [0, 1].</summary>
    /// <param name="atoms">K ≥ 2.</param>
    /// <param name="device">The device; null for the CPU.</param>
    /// <returns>[K] fp32.</returns>
    public static Tensor AtomValues(int atoms, Device? device = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(atoms, 2);
        return linspace(0, 1, atoms, ScalarType.Float32, device);
    }

    /// <summary>
    /// The log of <c>P(X_c &gt; X_r) + ½·P(X_c = X_r)</c> for independent categorical rewards given by logits.
    /// </summary>
    /// <param name="logitsChosen">[B, K] logits of the chosen responses.</param>
    /// <param name="logitsRejected">[B, K] logits of the rejected responses.</param>
    /// <returns>[B] log-probabilities (≤ 0).</returns>
    /// <exception cref="ArgumentException">The shapes differ or are not [B, K ≥ 2].</exception>
    public static Tensor CategoricalLogProbability(Tensor logitsChosen, Tensor logitsRejected)
    {
        ArgumentNullException.ThrowIfNull(logitsChosen);
        ArgumentNullException.ThrowIfNull(logitsRejected);
        if (logitsChosen.ndim != 2 || logitsChosen.shape[1] < 2) throw new ArgumentException($"logitsChosen must be [batch, atoms ≥ 2], found {SafetensorsTensorInfo.FormatShape(logitsChosen.shape)}.", nameof(logitsChosen));
        if (!logitsChosen.shape.SequenceEqual(logitsRejected.shape))
        {
            throw new ArgumentException($"logitsRejected {SafetensorsTensorInfo.FormatShape(logitsRejected.shape)} must have the shape of logitsChosen {SafetensorsTensorInfo.FormatShape(logitsChosen.shape)}.", nameof(logitsRejected));
        }

        using var scope = NewDisposeScope();
        long k = logitsChosen.shape[1];
        var lc = logitsChosen.to(ScalarType.Float32).log_softmax(-1);
        var lr = logitsRejected.to(ScalarType.Float32).log_softmax(-1);
        // log W[i, j]: 0 for i > j (chosen atom higher), log ½ for ties, −∞ below.
        var idx = arange(k, ScalarType.Int64, lc.device);
        var higher = idx.unsqueeze(1).gt(idx.unsqueeze(0));
        var tie = idx.unsqueeze(1).eq(idx.unsqueeze(0));
        var logW = full(new long[] { k, k }, double.NegativeInfinity, ScalarType.Float32, lc.device)
            .masked_fill(higher, 0)
            .masked_fill(tie, Math.Log(0.5));
        var joint = lc.unsqueeze(2) + lr.unsqueeze(1) + logW.unsqueeze(0);
        return joint.flatten(1).logsumexp(1).MoveToOuterDisposeScope();
    }

    /// <summary>The categorical preference probability <c>P(X_c &gt; X_r) + ½·P(X_c = X_r)</c>.</summary>
    /// <param name="logitsChosen">[B, K] logits of the chosen responses.</param>
    /// <param name="logitsRejected">[B, K] logits of the rejected responses.</param>
    /// <returns>[B] probabilities.</returns>
    public static Tensor CategoricalProbability(Tensor logitsChosen, Tensor logitsRejected)
    {
        using var scope = NewDisposeScope();
        return CategoricalLogProbability(logitsChosen, logitsRejected).exp().MoveToOuterDisposeScope();
    }

    /// <summary>The entropy (nats) of the mean of the 2B atom distributions of a batch, chosen and rejected together.</summary>
    /// <param name="logitsChosen">[B, K] logits of the chosen responses.</param>
    /// <param name="logitsRejected">[B, K] logits of the rejected responses.</param>
    /// <returns>A scalar <c>H(p̄) = −Σ_k p̄_k log p̄_k</c>.</returns>
    public static Tensor BatchMeanEntropy(Tensor logitsChosen, Tensor logitsRejected)
    {
        ArgumentNullException.ThrowIfNull(logitsChosen);
        ArgumentNullException.ThrowIfNull(logitsRejected);
        using var scope = NewDisposeScope();
        var p = cat([logitsChosen, logitsRejected], 0).to(ScalarType.Float32).softmax(-1).mean([0]);
        var plogp = (p * p.clamp_min(1e-30).log()).sum();
        return (-plogp).MoveToOuterDisposeScope();
    }

    /// <summary>The categorical loss <c>mean(−log P(c ≻ r)) − β·H(p̄)</c>.</summary>
    /// <param name="logitsChosen">[B, K] logits of the chosen responses.</param>
    /// <param name="logitsRejected">[B, K] logits of the rejected responses.</param>
    /// <param name="entropyBonus">β ≥ 0.</param>
    /// <returns>A scalar.</returns>
    public static Tensor CategoricalLoss(Tensor logitsChosen, Tensor logitsRejected, double entropyBonus = 0.1)
    {
        if (!(entropyBonus >= 0)) throw new ArgumentOutOfRangeException(nameof(entropyBonus), entropyBonus, "The entropy bonus must be ≥ 0.");
        using var scope = NewDisposeScope();
        var loss = -CategoricalLogProbability(logitsChosen, logitsRejected).mean();
        if (entropyBonus > 0) loss = loss - BatchMeanEntropy(logitsChosen, logitsRejected) * entropyBonus;
        return loss.MoveToOuterDisposeScope();
    }

    /// <summary>The loss of a batch for the configured head (see the class remarks).</summary>
    /// <param name="options">The head and its loss weights.</param>
    /// <param name="rawChosen">[B, outputs] head outputs of the chosen responses.</param>
    /// <param name="rawRejected">[B, outputs] head outputs of the rejected responses.</param>
    /// <returns>A scalar.</returns>
    public static Tensor Loss(DplOptions options, Tensor rawChosen, Tensor rawRejected)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckOutputs(rawChosen, options.Outputs, nameof(rawChosen));
        CheckOutputs(rawRejected, options.Outputs, nameof(rawRejected));
        if (options.Variant == DplVariant.Categorical) return CategoricalLoss(rawChosen, rawRejected, options.EntropyBonus);
        using var scope = NewDisposeScope();
        var (mc, sc) = MeanAndSigma(rawChosen);
        var (mr, sr) = MeanAndSigma(rawRejected);
        return MeanVarianceLoss(MeanVarianceZ(mc, sc, mr, sr), sc, sr, options.VariancePenalty).MoveToOuterDisposeScope();
    }

    /// <summary>The probability that the chosen response is preferred, for the configured head.</summary>
    /// <param name="options">The head.</param>
    /// <param name="rawChosen">[B, outputs] head outputs of the chosen responses.</param>
    /// <param name="rawRejected">[B, outputs] head outputs of the rejected responses.</param>
    /// <returns>[B] probabilities.</returns>
    public static Tensor ChosenProbability(DplOptions options, Tensor rawChosen, Tensor rawRejected)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckOutputs(rawChosen, options.Outputs, nameof(rawChosen));
        CheckOutputs(rawRejected, options.Outputs, nameof(rawRejected));
        if (options.Variant == DplVariant.Categorical) return CategoricalProbability(rawChosen, rawRejected);
        using var scope = NewDisposeScope();
        var (mc, sc) = MeanAndSigma(rawChosen);
        var (mr, sr) = MeanAndSigma(rawRejected);
        return MeanVarianceProbability(MeanVarianceZ(mc, sc, mr, sr)).MoveToOuterDisposeScope();
    }

    /// <summary>The scalar reward of each response: μ (mean-variance) or the expected atom value <c>Σ p_k a_k</c> (categorical).</summary>
    /// <param name="options">The head.</param>
    /// <param name="raw">[B, outputs] head outputs.</param>
    /// <returns>[B] fp32.</returns>
    public static Tensor ExpectedReward(DplOptions options, Tensor raw)
    {
        ArgumentNullException.ThrowIfNull(options);
        CheckOutputs(raw, options.Outputs, nameof(raw));
        using var scope = NewDisposeScope();
        var r = raw.to(ScalarType.Float32);
        var result = options.Variant == DplVariant.MeanVariance
            ? r.select(1, 0)
            : (r.softmax(-1) * AtomValues(options.Atoms, r.device).unsqueeze(0)).sum(1);
        return result.MoveToOuterDisposeScope();
    }

    private static void CheckOutputs(Tensor raw, long outputs, string name)
    {
        ArgumentNullException.ThrowIfNull(raw, name);
        if (raw.ndim != 2 || raw.shape[1] != outputs)
        {
            throw new ArgumentException($"{name} must be [batch, {outputs}], found {SafetensorsTensorInfo.FormatShape(raw.shape)}.", name);
        }
    }
}
