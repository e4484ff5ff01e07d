using System.Text.Json;
using Plus.Metrics;
using Snapshooter.Xunit;

namespace Plus.Core.Tests.Metrics;

public class ResultsTableTests
{
    /// <summary>A few of the paper's Table 1 values, added out of order on purpose.</summary>
    private static ResultsTable PaperExcerpt()
    {
        var table = new ResultsTable();
        table.Set("Pets", "PLUS", Cell(0.998, 0.002, 3, ("controversial", 0.996, 0.004, 3)));
        table.Set("Pets", "BTL", Cell(0.441, 0.028, 3, ("controversial", 0.0, 0.0, 3)));
        table.Set("Pets (OOD)", "PLUS", Cell(0.937, 0.040, 3));
        table.Set("UF-P-4", "PLUS", Cell(0.618, 0, 1));
        table.Set("Pets", "My method", Cell(0.5, 0.1, 2));
        table.Set("Pets", "Oracle", Cell(1.0, 0.0, 3));
        table.Set("UF-P-4", "VPL", Cell(0.553, 0, 1));
        table.Set("Pets", "PLUS-untrained", Cell(0.962, 0.016, 3));
        table.Set("Pets", "ICL", Cell(1.0, 0.0, 3));
        return table;
    }

    private static ResultCell Cell(double mean, double std, int n, params (string Group, double Mean, double Std, int N)[] groups) =>
        new(new MeanStd(mean, std, n), groups.ToDictionary(g => g.Group, g => new MeanStd(g.Mean, g.Std, g.N)));

    [Fact]
    public void Renders_a_paper_shaped_markdown_table()
    {
        var markdown = PaperExcerpt().ToMarkdown();
        Snapshot.Match(markdown);

        // Independent checks that do not rely on the snapshot.
        var rows = markdown.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("| Method | Pets | Pets (OOD) | UF-P-4 |", rows[0]);
        Assert.Equal(new[] { "BTL", "VPL", "ICL", "PLUS-untrained", "PLUS", "Oracle", "My method" }, rows.Skip(2).Select(r => r.Split('|')[1].Trim()));
        Assert.Equal("| PLUS | 99.8 ± 0.2 | 93.7 ± 4.0 | 61.8 |", rows[6]);
        Assert.Equal("| BTL | 44.1 ± 2.8 | NA | NA |", rows[2]);
    }

    [Fact]
    public void Renders_one_group_on_request()
    {
        var markdown = PaperExcerpt().ToMarkdown("controversial");
        Assert.Contains("| BTL | 0.0 ± 0.0 | NA | NA |", markdown, StringComparison.Ordinal);
        Assert.Contains("| PLUS | 99.6 ± 0.4 | NA | NA |", markdown, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Json_round_trips_and_uses_snake_case_fractions()
    {
        var table = PaperExcerpt();
        var json = table.ToJson();
        using var document = JsonDocument.Parse(json);
        var first = document.RootElement.GetProperty("cells")[0];
        Assert.Equal("Pets", first.GetProperty("dataset").GetString());
        Assert.Equal("BTL", first.GetProperty("method").GetString());
        Assert.Equal(0.441, first.GetProperty("mean").GetDouble());
        Assert.Equal(0.028, first.GetProperty("std").GetDouble());
        Assert.Equal(3, first.GetProperty("n").GetInt32());
        Assert.Equal(0.0, first.GetProperty("groups").GetProperty("controversial").GetProperty("mean").GetDouble());
        Assert.Equal(new[] { "Pets", "Pets (OOD)", "UF-P-4" }, document.RootElement.GetProperty("datasets").EnumerateArray().Select(e => e.GetString()));

        var back = ResultsTable.FromJson(json);
        Assert.Equal(table.ToMarkdown(), back.ToMarkdown());
        Assert.Equal(json, back.ToJson());
        Assert.Equal(0.996, back.Get("Pets", "PLUS")!.Groups["controversial"].Mean);

        var path = Path.Combine(Path.GetTempPath(), "plus-data-tests", Guid.NewGuid().ToString("N"), "results.json");
        await table.SaveAsync(path);
        Assert.Equal(json, (await ResultsTable.LoadAsync(path)).ToJson());
    }

    [Fact]
    public void Cells_aggregate_runs_per_seed()
    {
        var runs = new[]
        {
            new AccuracyReport(0.9, 10, new Dictionary<string, GroupAccuracy> { ["controversial"] = new(0.8, 5) }),
            new AccuracyReport(0.7, 10, new Dictionary<string, GroupAccuracy> { ["controversial"] = new(0.6, 5) }),
        };
        var table = new ResultsTable();
        table.SetRuns("Pets", "PLUS", runs);
        var cell = table.Get("Pets", "PLUS")!;
        Assert.Equal(0.8, cell.Overall.Mean, 12);
        Assert.Equal(Math.Sqrt(0.02), cell.Overall.Std, 12);
        Assert.Equal(0.7, cell.Groups["controversial"].Mean, 12);
        Assert.Equal("| PLUS | 80.0 ± 14.1 |", table.ToMarkdown().Split('\n')[2]);
    }

    [Fact]
    public void Bad_json_is_rejected()
    {
        Assert.Throws<JsonException>(() => ResultsTable.FromJson("{\"datasets\": []}"));
        Assert.ThrowsAny<JsonException>(() => ResultsTable.FromJson("{"));
    }
}
