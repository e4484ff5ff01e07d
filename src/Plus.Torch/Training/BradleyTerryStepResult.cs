namespace Plus.Torch.Training;

/// <summary>What one <see cref="BradleyTerryStep.Step"/> did.</summary>
/// <param name="Step">Optimizer steps taken after this one (1 after the first).</param>
/// <param name="Loss">Mean Bradley-Terry loss over the batch.</param>
/// <param name="Accuracy">Share of pairs with <c>r_c &gt; r_r</c> (before the update).</param>
/// <param name="Margin">Mean <c>r_c − r_r</c> (before the update).</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="Pairs">Pairs in the batch.</param>
/// <param name="Truncated">Sequences of the batch that had to be truncated.</param>
public sealed record BradleyTerryStepResult(
    int Step,
    double Loss,
    double Accuracy,
    double Margin,
    double GradientNorm,
    double LearningRate,
    int Pairs,
    int Truncated)
{
    /// <summary>The step's numbers by metric name (<c>loss</c>, <c>accuracy</c>, <c>margin</c>, <c>grad_norm</c>, <c>lr</c>, <c>truncated</c>).</summary>
    /// <returns>A new dictionary.</returns>
    public Dictionary<string, double> ToMetrics() => new(StringComparer.Ordinal)
    {
        ["loss"] = Loss,
        ["accuracy"] = Accuracy,
        ["margin"] = Margin,
        ["grad_norm"] = GradientNorm,
        ["lr"] = LearningRate,
        ["truncated"] = Truncated,
    };
}
