using ScottPlot;
using SkiaSharp;

namespace Plus.Cli.Plotting;

/// <summary>
/// Draws training curves from <see cref="MetricsSeries"/> with ScottPlot into one PNG: a grid of panels, one per
/// quantity the file has (reward, KL, reward-model loss, reward-model accuracy, summary length, then any other
/// metric on its own panel), each against the step.
/// </summary>
internal static class MetricsPlotter
{
    /// <summary>The known panels, in display order, and the columns each draws.</summary>
    public static readonly IReadOnlyList<(string Title, string[] Columns)> KnownPanels =
    [
        ("Reward", ["reward", "reward_mean"]),
        ("KL", ["kl", "kl_mean"]),
        ("Reward-model loss", ["rm_loss", "loss"]),
        ("Reward-model accuracy", ["rm_accuracy", "accuracy"]),
        ("Summary length", ["summary_words", "summary_tokens"]),
    ];

    /// <summary>Groups the series into panels: the known panels that have data, then one panel per other metric.</summary>
    public static IReadOnlyList<(string Title, IReadOnlyList<MetricsSeries> Series)> Panels(IReadOnlyList<MetricsSeries> series)
    {
        var panels = new List<(string, IReadOnlyList<MetricsSeries>)>();
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (title, columns) in KnownPanels)
        {
            var members = series.Where(s => columns.Contains(s.Metric, StringComparer.Ordinal)).ToArray();
            if (members.Length == 0) continue;
            panels.Add((title, members));
            used.UnionWith(columns);
        }

        foreach (var metric in series.Select(s => s.Metric).Where(m => !used.Contains(m)).Distinct(StringComparer.Ordinal))
        {
            panels.Add((metric, series.Where(s => s.Metric == metric).ToArray()));
        }

        return panels;
    }

    /// <summary>Renders the panels to a PNG file of <paramref name="width"/> × <paramref name="height"/> pixels.</summary>
    /// <exception cref="InvalidDataException">There is nothing to plot.</exception>
    public static void SavePng(IReadOnlyList<MetricsSeries> series, string path, int width, int height, string source)
    {
        var panels = Panels(series);
        if (panels.Count == 0) throw new InvalidDataException($"{source} holds no numeric metrics to plot (only step, stage and time).");
        var font = PlotFonts.Resolve();
        var columns = (int)Math.Ceiling(Math.Sqrt(panels.Count));
        var rows = (int)Math.Ceiling(panels.Count / (double)columns);
        var multiStage = series.Select(s => s.Stage).Distinct().Count() > 1;

        using var surface = SKSurface.Create(new SKImageInfo(width, height, SKColorType.Rgba8888, SKAlphaType.Premul))
            ?? throw new InvalidOperationException($"Could not create a {width}x{height} drawing surface.");
        surface.Canvas.Clear(SKColors.White);
        for (var i = 0; i < panels.Count; i++)
        {
            var (title, members) = panels[i];
            using var plot = new Plot();
            if (font is not null) plot.Font.Set(font);
            plot.Title(title);
            plot.XLabel("step");
            foreach (var member in members)
            {
                var finite = member.Steps.Zip(member.Values).Where(p => double.IsFinite(p.Second)).ToArray();
                var scatter = plot.Add.Scatter(finite.Select(p => p.First).ToArray(), finite.Select(p => p.Second).ToArray());
                scatter.LegendText = multiStage && member.Stage is not null ? $"{member.Metric} ({member.Stage})" : member.Metric;
                scatter.MarkerSize = finite.Length > 50 ? 0 : 4;
            }

            plot.ShowLegend(Alignment.UpperRight);
            var column = i % columns;
            var row = i / columns;
            var left = width * column / columns;
            var right = width * (column + 1) / columns;
            var top = height * row / rows;
            var bottom = height * (row + 1) / rows;
            // Each panel renders on its own surface (ScottPlot clears the whole canvas it draws on), then is copied in.
            using var panel = SKSurface.Create(new SKImageInfo(right - left, bottom - top, SKColorType.Rgba8888, SKAlphaType.Premul))
                ?? throw new InvalidOperationException($"Could not create a {right - left}x{bottom - top} drawing surface.");
            plot.Render(panel);
            using var snapshot = panel.Snapshot();
            surface.Canvas.DrawImage(snapshot, left, top);
        }

        using var image = surface.Snapshot();
        using var data = image.Encode(SKEncodedImageFormat.Png, 100);
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        using var stream = File.Create(path);
        data.SaveTo(stream);
    }
}
