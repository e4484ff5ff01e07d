namespace Plus.Baselines.Dpl;

/// <summary>The two reward heads of distributional preference learning (Siththaranjan et al., 2024).</summary>
public enum DplVariant
{
    /// <summary>Two outputs per response: the mean μ and <c>σ = softplus(raw)</c> of a Gaussian reward.</summary>
    MeanVariance = 0,

    /// <summary>A categorical reward over <see cref="DplOptions.Atoms"/> atoms evenly spaced on [0, 1] (softmax of the outputs).</summary>
    Categorical = 1,
}
