using System.CommandLine;
using Plus.Cli.Plotting;

namespace Plus.Cli.Commands;

/// <summary><c>plus plot</c>: draws a training run's <c>metrics.jsonl</c> as curves in a PNG.</summary>
internal static class PlotCommand
{
    public static Command Create()
    {
        var metrics = CliOptions.ExistingFile("--metrics", "The run's metrics.jsonl (one JSON object per step).");
        metrics.Aliases.Add("-m");
        var output = new Option<FileInfo>("--out", "-o") { Description = "The PNG file to write.", Required = true, HelpName = "FILE" };
        var width = CliOptions.Count("--width", "Image width in pixels (100 to 10000).", 1200, 100);
        var height = CliOptions.Count("--height", "Image height in pixels (100 to 10000).", 800, 100);
        foreach (var size in new[] { width, height })
        {
            CliOptions.Validate(size, value => value > 10_000 ? $"Option '{size.Name}' must be at most 10000, found {value}." : null);
        }

        var command = new Command(
            "plot",
            "Plot reward, KL, reward-model loss and accuracy, summary length and any other metric of a metrics.jsonl against step, as a PNG.")
        {
            metrics, output, width, height,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, _) =>
        {
            var source = parse.GetValue(metrics)!.ToString();
            var target = parse.GetValue(output)!.ToString();
            var series = MetricsFile.Read(source);
            MetricsPlotter.SavePng(series, target, parse.GetValue(width), parse.GetValue(height), source);
            var panels = MetricsPlotter.Panels(series).Select(p => p.Title);
            await stdout.WriteLineAsync($"Wrote {target} ({parse.GetValue(width)}x{parse.GetValue(height)}): {string.Join(", ", panels)}").ConfigureAwait(false);
        }, ct));
        return command;
    }
}
