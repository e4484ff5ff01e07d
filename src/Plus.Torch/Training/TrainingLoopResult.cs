namespace Plus.Torch.Training;

/// <summary>What <see cref="TrainingLoop.Run"/> did.</summary>
/// <param name="Steps">Steps done in all (including those of a resumed run).</param>
/// <param name="ResumedFromStep">The step a checkpoint was resumed at (0 for a fresh run).</param>
/// <param name="FinalMetrics">The last step's metrics (with the last evaluation's <c>eval_*</c>); empty when a finished run was resumed.</param>
/// <param name="LastCheckpoint">The last checkpoint written or resumed, or null.</param>
public sealed record TrainingLoopResult(int Steps, int ResumedFromStep, IReadOnlyDictionary<string, double> FinalMetrics, string? LastCheckpoint);
