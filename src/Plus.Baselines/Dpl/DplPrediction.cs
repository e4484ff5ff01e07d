namespace Plus.Baselines.Dpl;

/// <summary>A DPL prediction for one pair: the probability that the chosen response is preferred, and both responses' uncertainty.</summary>
/// <param name="ChosenProbability">
/// <c>σ(√(2π)·z)</c> (mean-variance) or <c>P(X_c &gt; X_r) + ½·P(X_c = X_r)</c> (categorical); see <see cref="DplMath"/>.
/// </param>
/// <param name="Chosen">The chosen response's reward and uncertainty.</param>
/// <param name="Rejected">The rejected response's reward and uncertainty.</param>
public sealed record DplPrediction(double ChosenProbability, DplScore Chosen, DplScore Rejected);
