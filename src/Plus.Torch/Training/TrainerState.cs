using System.Text.Json.Nodes;

namespace Plus.Torch.Training;

/// <summary>
/// The trainer's position and bookkeeping, stored as <c>trainer_state.json</c> in every checkpoint (snake_case keys).
/// </summary>
/// <remarks>
/// Together with the module and optimizer files and <c>rng_state.bin</c> this is what a run needs to resume:
/// see <see cref="Seeding"/> for how randomness stays deterministic.
/// </remarks>
public sealed record TrainerState
{
    /// <summary>Optimizer steps completed when the checkpoint was written (the global step).</summary>
    public required long Step { get; init; }

    /// <summary>The epoch the next step belongs to (0-based).</summary>
    public int Epoch { get; init; }

    /// <summary>The run's seed (see <see cref="Seeding"/>).</summary>
    public long Seed { get; init; }

    /// <summary>The best validation metric so far, or null.</summary>
    public double? BestMetric { get; init; }

    /// <summary>The name of <see cref="BestMetric"/> (for example <c>eval_accuracy</c>), or null.</summary>
    public string? BestMetricName { get; init; }

    /// <summary>Scalar state of the trainer (for example <c>kl_coef</c> of an adaptive controller); empty when none.</summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();

    /// <summary>The options the run was started with, as JSON, or null.</summary>
    public JsonObject? Options { get; init; }

    /// <summary>When the checkpoint was written (UTC).</summary>
    public DateTimeOffset SavedAt { get; init; }
}
