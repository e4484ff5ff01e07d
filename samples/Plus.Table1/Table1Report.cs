using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus.Metrics;
using ScottPlot;

namespace Plus.Table1;

/// <summary>The harness's three files: <c>table.json</c> (cells and summary), <c>table.md</c> (the paper's shape) and <c>table.png</c>.</summary>
public static class Table1Report
{
    /// <summary><c>table.json</c>.</summary>
    public const string JsonFileName = "table.json";

    /// <summary><c>table.md</c>.</summary>
    public const string MarkdownFileName = "table.md";

    /// <summary><c>table.png</c>.</summary>
    public const string PngFileName = "table.png";

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    /// <summary>
    /// <c>{"cells": [{"method","dataset","seed","accuracy","controversial_accuracy","seconds"}], "summary": {"&lt;method&gt;":
    /// {"&lt;dataset&gt;": {"mean","std","n"}}}}</c>; the summary is of the headline (<see cref="Table1Cell.Headline"/>:
    /// the controversial accuracy, on PRISM the accuracy on all pairs; fractions, sample std).
    /// </summary>
    /// <param name="cells">The cells.</param>
    /// <returns>The JSON text.</returns>
    public static string ToJson(IReadOnlyList<Table1Cell> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var ordered = cells.OrderBy(c => Rank(c.Method)).ThenBy(c => c.Dataset, StringComparer.Ordinal).ThenBy(c => c.Seed).ToList();
        var summary = new JsonObject();
        foreach (var byMethod in ordered.GroupBy(c => c.Method))
        {
            var datasets = new JsonObject();
            foreach (var byDataset in byMethod.GroupBy(c => c.Dataset))
            {
                var values = byDataset.Select(c => c.Headline).Where(double.IsFinite).ToList();
                if (values.Count == 0) continue;
                var m = MeanStd.Of(values);
                datasets[byDataset.Key] = new JsonObject { ["mean"] = Math.Round(m.Mean, 6), ["std"] = Math.Round(m.Std, 6), ["n"] = m.N };
            }

            summary[byMethod.Key] = datasets;
        }

        var root = new JsonObject { ["cells"] = JsonSerializer.SerializeToNode(ordered), ["summary"] = summary };
        return root.ToJsonString(Indented) + "\n";
    }

    /// <summary>The cells of a <c>table.json</c>.</summary>
    /// <param name="json">The file's text.</param>
    /// <returns>The cells.</returns>
    /// <exception cref="InvalidDataException">The text is not a table.json.</exception>
    public static IReadOnlyList<Table1Cell> ReadCells(string json)
    {
        try
        {
            var cells = JsonNode.Parse(json)?["cells"] ?? throw new InvalidDataException($"{JsonFileName} has no \"cells\".");
            return cells.Deserialize<List<Table1Cell>>() ?? [];
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"{JsonFileName} is not valid: {ex.Message}", ex);
        }
    }

    /// <summary>
    /// The paper's Table 1 shape: one row per method, per data set our controversial accuracy (percent, mean ± std over
    /// seeds) beside the paper's; then the same for the accuracy on all pairs.
    /// </summary>
    /// <param name="cells">The cells.</param>
    /// <param name="methods">The rows, in order.</param>
    /// <param name="datasets">The data sets, in order.</param>
    /// <returns>The Markdown text.</returns>
    public static string ToMarkdown(IReadOnlyList<Table1Cell> cells, IReadOnlyList<string> methods, IReadOnlyList<string> datasets)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var rows = methods.OrderBy(Rank).ToList();
        int seeds = cells.Select(c => c.Seed).Distinct().Count();
        var b = new StringBuilder();
        string pairs = datasets.Any(d => d.StartsWith("prism", StringComparison.Ordinal)) ? "controversial pairs; PRISM: all held-out pairs" : "controversial pairs";
        b.Append(CultureInfo.InvariantCulture, $"# Table 1 ({pairs}, accuracy %, mean ± std over {seeds} seed(s))\n\n");
        b.Append("| Method |");
        foreach (var d in datasets) b.Append(CultureInfo.InvariantCulture, $" {Title(d)} (ours) | {Title(d)} (paper) |");
        b.Append("\n| --- |");
        foreach (var _ in datasets) b.Append(" --- | --- |");
        b.Append('\n');
        foreach (var m in rows)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {m} |");
            foreach (var d in datasets) b.Append(CultureInfo.InvariantCulture, $" {Format(cells, m, d, c => c.Headline)} | {PaperTable1.Get(m, d)} |");
            b.Append('\n');
        }

        b.Append("\n## Accuracy on all pairs (%, ours)\n\n| Method |");
        foreach (var d in datasets) b.Append(CultureInfo.InvariantCulture, $" {Title(d)} |");
        b.Append("\n| --- |");
        foreach (var _ in datasets) b.Append(" --- |");
        b.Append('\n');
        foreach (var m in rows)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {m} |");
            foreach (var d in datasets) b.Append(CultureInfo.InvariantCulture, $" {Format(cells, m, d, c => c.Accuracy)} |");
            b.Append('\n');
        }

        b.Append("\n## Cost (seconds per cell: training, shared by the data sets of a model, plus evaluation; mean over seeds)\n\n| Method |");
        foreach (var d in datasets) b.Append(CultureInfo.InvariantCulture, $" {Title(d)} |");
        b.Append("\n| --- |");
        foreach (var _ in datasets) b.Append(" --- |");
        b.Append('\n');
        foreach (var m in rows)
        {
            b.Append(CultureInfo.InvariantCulture, $"| {m} |");
            foreach (var d in datasets)
            {
                var s = cells.Where(c => c.Method == m && c.Dataset == d).Select(c => c.Seconds).ToList();
                b.Append(s.Count == 0 ? " NA |" : string.Create(CultureInfo.InvariantCulture, $" {s.Average():0.#} |"));
            }

            b.Append('\n');
        }

        return b.ToString();
    }

    /// <summary>A bar chart of the controversial accuracy: groups by data set, one bar per method, error bars of one std.</summary>
    /// <param name="cells">The cells.</param>
    /// <param name="methods">The methods.</param>
    /// <param name="datasets">The data sets.</param>
    /// <param name="path">The PNG file.</param>
    public static void SavePng(IReadOnlyList<Table1Cell> cells, IReadOnlyList<string> methods, IReadOnlyList<string> datasets, string path)
    {
        ArgumentNullException.ThrowIfNull(cells);
        var rows = methods.OrderBy(Rank).ToList();
        using var plot = new Plot();
        if (PlotFont.Resolve() is { } font) plot.Font.Set(font);
        var palette = new ScottPlot.Palettes.Category10();
        var ticks = new List<Tick>();
        for (int di = 0; di < datasets.Count; di++)
        {
            double groupStart = di * (rows.Count + 1);
            ticks.Add(new Tick(groupStart + (rows.Count - 1) / 2.0, Title(datasets[di])));
            for (int mi = 0; mi < rows.Count; mi++)
            {
                var values = cells.Where(c => c.Method == rows[mi] && c.Dataset == datasets[di]).Select(c => c.Headline * 100).Where(double.IsFinite).ToList();
                if (values.Count == 0) continue;
                var m = MeanStd.Of(values);
                var bar = new Bar { Position = groupStart + mi, Value = m.Mean, Error = m.Std, FillColor = palette.GetColor(mi) };
                plot.Add.Bar(bar);
            }
        }

        for (int mi = 0; mi < rows.Count; mi++) plot.Legend.ManualItems.Add(new LegendItem { LabelText = rows[mi], FillColor = palette.GetColor(mi) });
        plot.ShowLegend(Alignment.UpperRight);
        plot.Axes.Bottom.TickGenerator = new ScottPlot.TickGenerators.NumericManual([.. ticks]);
        plot.Axes.SetLimitsY(0, 110);
        plot.YLabel(datasets.Any(d => d.StartsWith("prism", StringComparison.Ordinal)) ? "accuracy (%): controversial pairs; PRISM all" : "controversial accuracy (%)");
        plot.Title("Table 1 (mean ± std over seeds)");
        var directory = Path.GetDirectoryName(Path.GetFullPath(path));
        if (directory is not null) Directory.CreateDirectory(directory);
        plot.SavePng(path, 900, 500);
    }

    private static string Format(IReadOnlyList<Table1Cell> cells, string method, string dataset, Func<Table1Cell, double> value)
    {
        var values = cells.Where(c => c.Method == method && c.Dataset == dataset).Select(value).Where(double.IsFinite).ToList();
        return values.Count == 0 ? "NA" : ResultsTable.FormatPercent(MeanStd.Of(values));
    }

    private static string Title(string dataset) => dataset switch
    {
        "pets" => "Pets",
        "pets-ood" => "Pets (OOD)",
        "uf-p-2" => "UF-P-2",
        "uf-p-4" => "UF-P-4",
        "prism" => "PRISM",
        "prism-profile" => "PRISM (+Profile)",
        _ => dataset,
    };

    private static int Rank(string method)
    {
        int i = ResultsTable.PaperMethodOrder.ToList().IndexOf(method);
        return i < 0 ? int.MaxValue : i;
    }

    private static class PlotFont
    {
        // ScottPlot's Linux Skia build does not ask fontconfig, so a font file is registered (as src/Plus.Cli/Plotting/PlotFonts.cs does).
        private static readonly string[] Candidates =
        [
            "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
            "/usr/share/fonts/TTF/DejaVuSans.ttf",
            "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        ];

        public static string? Resolve()
        {
            string? file = Environment.GetEnvironmentVariable("PLUS_PLOT_FONT") is { Length: > 0 } f && File.Exists(f) ? f : Candidates.FirstOrDefault(File.Exists);
            if (file is null) return null;
            ScottPlot.Fonts.AddFontFile("Plus Table Sans", file, bold: false, italic: false);
            ScottPlot.Fonts.AddFontFile("Plus Table Sans", file, bold: true, italic: false);
            return "Plus Table Sans";
        }
    }
}
