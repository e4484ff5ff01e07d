namespace Plus.Training;

/// <summary>How a trained model was made: recorded in its manifest and read back with it.</summary>
public sealed record TrainingMetadata
{
    /// <summary>The method (see <see cref="PreferenceMethods"/>).</summary>
    public required string Method { get; init; }

    /// <summary>The seed of the run.</summary>
    public int Seed { get; init; }

    /// <summary>Optimizer steps taken.</summary>
    public int Steps { get; init; }

    /// <summary>Training examples.</summary>
    public int TrainExamples { get; init; }

    /// <summary>SHA-256 (hex) of the training examples' canonical JSON, so that two models can be told apart by their data.</summary>
    public string? DataFingerprint { get; init; }

    /// <summary>The metrics of the last step (and of the last evaluation, as <c>eval_*</c>).</summary>
    public IReadOnlyDictionary<string, double> FinalMetrics { get; init; } = new Dictionary<string, double>();

    /// <summary>When training ended (UTC).</summary>
    public DateTimeOffset? TrainedAt { get; init; }

    /// <summary>The Plus.Sdk version that trained it.</summary>
    public string? LibraryVersion { get; init; }
}
