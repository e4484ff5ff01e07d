namespace Plus.Training;

/// <summary>A progress report from long-running work (training, data building, evaluation).</summary>
/// <param name="Stage">What is running, for example <c>bt-train</c> or <c>ppo</c>.</param>
/// <param name="Step">Steps done so far (1-based after the first step).</param>
/// <param name="TotalSteps">Steps planned in all, or 0 when unknown.</param>
/// <param name="Metrics">The latest metrics by name (loss, accuracy, reward_mean, kl, ...).</param>
/// <param name="Elapsed">Time since the stage started.</param>
/// <param name="Eta">Estimated time left, or null when unknown.</param>
public sealed record TrainingProgress(
    string Stage,
    int Step,
    int TotalSteps,
    IReadOnlyDictionary<string, double> Metrics,
    TimeSpan Elapsed,
    TimeSpan? Eta)
{
    /// <summary>
    /// A notice instead of a step report (for example that a run resumed from a checkpoint); consoles should show it.
    /// Null for ordinary step reports.
    /// </summary>
    public string? Message { get; init; }

    /// <summary>Fraction done in [0, 1], or null when <see cref="TotalSteps"/> is unknown.</summary>
    public double? Fraction => TotalSteps > 0 ? Math.Clamp((double)Step / TotalSteps, 0, 1) : null;

    /// <summary>A one-line rendering for logs and consoles.</summary>
    public override string ToString()
    {
        if (Message is not null) return $"[{Stage}] {Message}";
        var metrics = string.Join(" ", Metrics.Select(kv => FormattableString.Invariant($"{kv.Key}={kv.Value:G4}")));
        var total = TotalSteps > 0 ? $"/{TotalSteps}" : string.Empty;
        var eta = Eta is { } e ? FormattableString.Invariant($" eta {e.TotalSeconds:F0}s") : string.Empty;
        return FormattableString.Invariant($"[{Stage}] step {Step}{total} {metrics} ({Elapsed.TotalSeconds:F1}s{eta})");
    }
}
