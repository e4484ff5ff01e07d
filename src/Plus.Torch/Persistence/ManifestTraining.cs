using System.Text.Json.Nodes;

namespace Plus.Torch.Persistence;

/// <summary>The manifest's <c>training</c> entry: how the model was made.</summary>
/// <param name="Seed">The run's seed.</param>
/// <param name="Steps">Optimizer steps taken.</param>
/// <param name="TrainExamples">Training examples.</param>
/// <param name="DataSha256">The training data's fingerprint (<c>Plus.Data.DatasetFingerprint</c>).</param>
/// <param name="FinalMetrics">The last step's metrics (and the last evaluation's, as <c>eval_*</c>).</param>
/// <param name="TrainedAt">When training ended (UTC).</param>
/// <param name="Options">The trainer's options as trained (informational).</param>
public sealed record ManifestTraining(
    int Seed, int Steps, int TrainExamples, string? DataSha256, IReadOnlyDictionary<string, double> FinalMetrics, DateTimeOffset? TrainedAt, JsonObject? Options);
