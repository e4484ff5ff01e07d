namespace Plus.Torch.Training;

/// <summary>What <see cref="TrainingLoop.Run"/> did.</summary>
/// <param name="Steps">Steps done in all (including those of a resumed run).</param>
/// <param name="ResumedFromStep">The step a checkpoint was resumed at (0 for a fresh run).</param>
/// <param name="FinalMetrics">The last step's metrics (with the last evaluation's <c>eval_*</c>); empty when a finished run was resumed.</param>
/// <param name="LastCheckpoint">The last checkpoint written or resumed, or null.</param>
public sealed record TrainingLoopResult(int Steps, int ResumedFromStep, IReadOnlyDictionary<string, double> FinalMetrics, string? LastCheckpoint)
{
    /// <summary>The trained model's record of this run.</summary>
    /// <param name="settings">The loop's settings (method, seed, examples, fingerprint).</param>
    /// <returns>The metadata, stamped now.</returns>
    public Plus.Training.TrainingMetadata ToMetadata(TrainingLoopSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        return new Plus.Training.TrainingMetadata
        {
            Method = settings.Method,
            Seed = settings.Seed,
            Steps = Steps,
            TrainExamples = settings.ExampleCount,
            DataFingerprint = settings.Fingerprint.Data,
            FinalMetrics = FinalMetrics,
            TrainedAt = DateTimeOffset.UtcNow,
            LibraryVersion = Persistence.TrainedModel.LibraryVersion,
        };
    }
}
