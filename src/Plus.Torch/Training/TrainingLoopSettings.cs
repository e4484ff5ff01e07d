namespace Plus.Torch.Training;

/// <summary>The shared loop's settings; each trainer fills them from its options.</summary>
public sealed record TrainingLoopSettings
{
    /// <summary>The method's name (in notices and errors).</summary>
    public required string Method { get; init; }

    /// <summary>Training examples in all.</summary>
    public required int ExampleCount { get; init; }

    /// <summary>Examples per step (a larger value than <see cref="ExampleCount"/> takes all of them).</summary>
    public required int BatchSize { get; init; }

    /// <summary>Passes over the examples (ignored when <see cref="MaxSteps"/> is positive).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>When positive, the number of steps, overriding <see cref="Epochs"/>.</summary>
    public int MaxSteps { get; init; }

    /// <summary>Seeds the order of examples (see <see cref="Order"/>).</summary>
    public int Seed { get; init; }

    /// <summary>How each epoch's order is drawn from <see cref="Seed"/> (default <see cref="TrainingOrder.RandomKeys"/>).</summary>
    public TrainingOrder Order { get; init; } = TrainingOrder.RandomKeys;

    /// <summary>Where checkpoints go (null: none).</summary>
    public string? CheckpointDirectory { get; init; }

    /// <summary>Checkpoint every this many steps (0: only at the end and when cancelled).</summary>
    public int CheckpointEvery { get; init; }

    /// <summary>Checkpoints kept.</summary>
    public int KeepCheckpoints { get; init; } = 3;

    /// <summary>Resume from the latest checkpoint of a run with the same fingerprint (default true).</summary>
    public bool Resume { get; init; } = true;

    /// <summary>The metrics JSONL file (null: none).</summary>
    public string? MetricsPath { get; init; }

    /// <summary>Evaluate every this many steps (0: only after the last step); needs held-out examples.</summary>
    public int EvalEvery { get; init; }

    /// <summary>Whether there are held-out examples to evaluate on.</summary>
    public bool HasEval { get; init; }

    /// <summary>Log a progress line every this many steps.</summary>
    public int LogEvery { get; init; } = 1;

    /// <summary>The run's identity, stored in checkpoints and compared on resume.</summary>
    public required RunFingerprint Fingerprint { get; init; }

    /// <summary>Steps per epoch.</summary>
    public int StepsPerEpoch => (ExampleCount + EffectiveBatchSize - 1) / EffectiveBatchSize;

    /// <summary>The batch size actually used (at most <see cref="ExampleCount"/>).</summary>
    public int EffectiveBatchSize => Math.Max(1, Math.Min(BatchSize, ExampleCount));

    /// <summary>Steps in all.</summary>
    public int TotalSteps => MaxSteps > 0 ? MaxSteps : Epochs * StepsPerEpoch;
}
