namespace Plus.Baselines.Dpl;

/// <summary>What a DPL reward model says about one response: its reward and how uncertain (how disputed) it is.</summary>
/// <param name="Reward">μ (mean-variance) or the expected atom value <c>Σ p_k a_k</c> on [0, 1] (categorical).</param>
/// <param name="Sigma">σ = softplus(raw) (mean-variance) or the standard deviation of the atom distribution (categorical).</param>
/// <param name="AtomProbabilities">The categorical head's distribution over the atoms <c>k/(K−1)</c>; null for mean-variance.</param>
public sealed record DplScore(float Reward, float Sigma, IReadOnlyList<float>? AtomProbabilities);
