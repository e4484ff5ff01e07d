namespace Plus.Inference;

/// <summary>The Bradley-Terry preference probability of two rewards.</summary>
public static class BradleyTerry
{
    /// <summary>P(first ≻ second) = σ(r₁ − r₂), computed without overflow for any finite rewards.</summary>
    /// <param name="rewardFirst">r₁.</param>
    /// <param name="rewardSecond">r₂.</param>
    /// <returns>A probability in [0, 1]; exactly 0.5 when the rewards are equal.</returns>
    public static double Probability(double rewardFirst, double rewardSecond)
    {
        double d = rewardFirst - rewardSecond;
        if (double.IsNaN(d)) throw new ArgumentException($"The rewards {rewardFirst} and {rewardSecond} have no finite difference.", nameof(rewardFirst));
        return d >= 0 ? 1.0 / (1.0 + Math.Exp(-d)) : Math.Exp(d) / (1.0 + Math.Exp(d));
    }
}
