namespace Plus.Cli.Plotting;

/// <summary>One metric of one stage against the step, in file order.</summary>
/// <param name="Metric">The metric's column name, for example <c>reward_mean</c>.</param>
/// <param name="Stage">The stage the rows carried (<c>ppo</c>, <c>bt-train</c>…), or null when the rows had none.</param>
/// <param name="Steps">The steps.</param>
/// <param name="Values">The values (NaN where the file wrote <c>"NaN"</c>).</param>
internal sealed record MetricsSeries(string Metric, string? Stage, IReadOnlyList<double> Steps, IReadOnlyList<double> Values);
