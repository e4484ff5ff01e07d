using Plus.Baselines.Tests.Fixtures;
using Plus.Table1;

namespace Plus.Baselines.Tests.Harness;

/// <summary>
/// Issue 11's result bands on one seed of every Table-1 row: the harness with its defaults (the embedded default
/// model, Pets and Pets-OOD, seed 0), as `dotnet run --project samples/Plus.Table1 -c Release -- --seeds 1` runs it.
/// BTL and DPL use no user information and sit at chance on the controversial pairs; VPL, ICL and Oracle read the
/// user and reach at least 95 %; PLUS reaches 95 % and beats PLUS-untrained. Pets-OOD is run and reported for every row
/// (50 % for every row today: docs/results.md) but not asserted. About eight minutes on two CPU cores, so Slow.
/// </summary>
[Trait("Category", "Slow")]
public class Table1BandsTests
{
    [Fact]
    public async Task Every_row_runs_and_the_baselines_land_in_their_bands_on_Pets()
    {
        using var dir = new TinyModels.TempDir();
        var cells = await new Table1Harness(new Table1Options { Seeds = 1, OutputDirectory = dir.Path }, TextWriter.Null).RunAsync();
        double Pets(string method) => cells.Single(c => c.Method == method && c.Dataset == "pets").Headline;

        Assert.Equal(7 * 2, cells.Count); // every row on Pets and Pets-OOD
        Assert.All(cells, c => Assert.InRange(c.ControversialAccuracy!.Value, 0, 1));
        Assert.InRange(Pets("BTL"), 0.40, 0.60);
        Assert.InRange(Pets("DPL"), 0.40, 0.60);
        foreach (var method in new[] { "VPL", "ICL", "Oracle" })
            Assert.True(Pets(method) >= 0.95, $"{method}: {Pets(method):P1} on the Pets controversial pairs, expected at least 95 %");
        // PLUS and PLUS-untrained (docs/results.md, previous default model, seed 0: 99.0 % and 85.6 %; seeds 0-2 PLUS
        // 96.9-99.0 %; the current model passes these bands on seed 0): PPO adds.
        Assert.True(Pets("PLUS") >= 0.95, $"PLUS: {Pets("PLUS"):P1} on the Pets controversial pairs, expected at least 95 %");
        Assert.True(Pets("PLUS") > Pets("PLUS-untrained"), $"PLUS {Pets("PLUS"):P1} should beat PLUS-untrained {Pets("PLUS-untrained"):P1}");
        Assert.True(File.Exists(Path.Combine(dir.Path, Table1Report.MarkdownFileName)));
    }
}
