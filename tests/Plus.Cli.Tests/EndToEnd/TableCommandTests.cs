using System.Text.Json.Nodes;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary><c>plus table</c> on a tiny configuration (BTL and ICL, tiny Pets, one seed), run twice as a process.</summary>
public class TableCommandTests
{
    [Fact]
    public async Task Table_writes_the_three_files_and_a_rerun_reuses_every_cell()
    {
        var output = Path.Combine(PlusTool.NewScratchFolder(), "table");
        string[] arguments = ["table", "--methods", "BTL,ICL", "--datasets", "pets,pets-ood", "--seeds", "1", "--train", "8", "--test", "4", "--ood", "4", "--out", output];

        var first = await PlusTool.RunAsync(arguments);
        Assert.True(first.ExitCode == 0, first.ToString());
        Assert.Contains("[4/4] ICL pets-ood seed 0", first.Output);
        Assert.Matches(@"\[bt-train\] step \d+/\d+ \(100%\)", first.Output); // each cell's training through the display
        Assert.True(File.Exists(Path.Combine(output, "table.md")));
        Assert.Contains("| BTL", File.ReadAllText(Path.Combine(output, "table.md")));
        var png = File.ReadAllBytes(Path.Combine(output, "table.png"));
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G' }, png[..4]);
        var cells = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "table.json")))!["cells"]!.AsArray();
        Assert.Equal(4, cells.Count);
        Assert.Equal(["BTL/pets", "BTL/pets-ood", "ICL/pets", "ICL/pets-ood"], cells.Select(c => $"{c!["method"]}/{c["dataset"]}").Order());

        var rerun = await PlusTool.RunAsync(arguments);
        Assert.True(rerun.ExitCode == 0, rerun.ToString());
        Assert.Contains("BTL pets seed 0: reused from table.json", rerun.Output);
        Assert.Contains("ICL pets seed 0: reused from table.json", rerun.Output);
        Assert.DoesNotContain("training on", rerun.Output);
    }

    [Fact]
    public async Task Prism_columns_come_from_the_prism_folder()
    {
        var output = Path.Combine(PlusTool.NewScratchFolder(), "table");
        var result = await PlusTool.RunAsync("table", "--methods", "BTL", "--datasets", "prism", "--seeds", "1", "--prism", PlusTool.Fixture("data", "prism-mini"), "--out", output);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("BTL prism seed 0: accuracy", result.Output);
        var cell = Assert.Single(JsonNode.Parse(File.ReadAllText(Path.Combine(output, "table.json")))!["cells"]!.AsArray())!;
        Assert.Equal("prism", cell["dataset"]!.GetValue<string>());
        Assert.Null(cell["controversial_accuracy"]);
        Assert.Contains("| PRISM (ours) | PRISM (paper) |", File.ReadAllText(Path.Combine(output, "table.md")));

        var missing = await PlusTool.RunAsync("table", "--methods", "BTL", "--datasets", "prism", "--out", Path.Combine(PlusTool.NewScratchFolder(), "t"));
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("--prism DIR is needed", missing.Error);
    }

    [Fact]
    public async Task An_unknown_method_is_an_error_that_names_the_flag()
    {
        var result = await PlusTool.RunAsync("table", "--methods", "BTL,frob", "--out", Path.Combine(PlusTool.NewScratchFolder(), "t"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--methods", result.Error);
        Assert.Contains("frob", result.Error);
    }
}
