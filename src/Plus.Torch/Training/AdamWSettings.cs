namespace Plus.Torch.Training;

/// <summary>AdamW hyper-parameters with the paper's defaults (appendix B: Adam β (0.9, 0.95)).</summary>
/// <remarks>The learning rate here is the peak; a <see cref="LearningRateSchedule"/> changes it every step.</remarks>
public sealed record AdamWSettings
{
    /// <summary>The (peak) learning rate; the paper: 9e-6 for reward model and critic, 5e-7 for the summarizer.</summary>
    public double LearningRate { get; init; } = 1e-5;

    /// <summary>β₁ (default 0.9).</summary>
    public double Beta1 { get; init; } = 0.9;

    /// <summary>β₂ (default 0.95).</summary>
    public double Beta2 { get; init; } = 0.95;

    /// <summary>ε added to the denominator (default 1e-8).</summary>
    public double Epsilon { get; init; } = 1e-8;

    /// <summary>
    /// Decoupled weight decay (default 0, OpenRLHF's <c>--l2</c> default). When positive it applies to weights only:
    /// biases and normalization weights (names ending in <c>bias</c> or containing <c>norm</c>) are not decayed.
    /// </summary>
    public double WeightDecay { get; init; }
}
