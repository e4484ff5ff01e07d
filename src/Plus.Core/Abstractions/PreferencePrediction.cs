namespace Plus;

/// <summary>The result of predicting which of two responses a user prefers (paper Algorithm 2).</summary>
/// <param name="ProbabilityFirst">P(first ≻ second) = σ(r₁ − r₂), in [0, 1].</param>
/// <param name="RewardFirst">The reward of the first response.</param>
/// <param name="RewardSecond">The reward of the second response.</param>
/// <param name="Summary">The summary that conditioned the prediction (null when the method uses none).</param>
public sealed record PreferencePrediction(double ProbabilityFirst, float RewardFirst, float RewardSecond, UserSummary? Summary)
{
    /// <summary>True when the first response is predicted to be preferred.</summary>
    public bool PrefersFirst => RewardFirst > RewardSecond;
}
