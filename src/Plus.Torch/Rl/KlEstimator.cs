namespace Plus.Torch.Rl;

/// <summary>
/// Per-token estimators of KL(π ‖ π_ref) from the log-probabilities of the sampled tokens (Schulman, "Approximating
/// KL divergence", 2020). With <c>log r = log π_ref(a) − log π(a)</c> for a token <c>a</c> sampled from π:
/// </summary>
public enum KlEstimator
{
    /// <summary><c>k1 = log π − log π_ref = −log r</c>. Unbiased, high variance, can be negative per token (the paper's choice).</summary>
    K1 = 1,

    /// <summary><c>k2 = ½ (log π − log π_ref)²</c>. Biased, low variance, never negative.</summary>
    K2 = 2,

    /// <summary><c>k3 = (r − 1) − log r</c> with <c>r = π_ref/π</c>. Unbiased, low variance, never negative.</summary>
    K3 = 3,
}
