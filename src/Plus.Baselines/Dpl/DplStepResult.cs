namespace Plus.Baselines.Dpl;

/// <summary>What one <see cref="DplStep.Step"/> did.</summary>
/// <param name="Step">Optimizer steps taken after this one (1 after the first).</param>
/// <param name="Loss">The batch's DPL loss (mean over micro-batches weighted by their size).</param>
/// <param name="Accuracy">Share of pairs whose chosen probability is above ½ (before the update).</param>
/// <param name="ChosenProbability">Mean probability given to the chosen responses (before the update).</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="Pairs">Pairs in the batch.</param>
/// <param name="Truncated">Sequences of the batch that had to be truncated.</param>
public sealed record DplStepResult(
    int Step,
    double Loss,
    double Accuracy,
    double ChosenProbability,
    double GradientNorm,
    double LearningRate,
    int Pairs,
    int Truncated)
{
    /// <summary>The step's numbers by metric name (<c>loss</c>, <c>accuracy</c>, <c>probability</c>, <c>grad_norm</c>, <c>lr</c>, <c>truncated</c>).</summary>
    /// <returns>A new dictionary.</returns>
    public Dictionary<string, double> ToMetrics() => new(StringComparer.Ordinal)
    {
        ["loss"] = Loss,
        ["accuracy"] = Accuracy,
        ["probability"] = ChosenProbability,
        ["grad_norm"] = GradientNorm,
        ["lr"] = LearningRate,
        ["truncated"] = Truncated,
    };
}
