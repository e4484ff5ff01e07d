using Plus.Baselines.Tests.Fixtures;
using Plus.Table1;

namespace Plus.Baselines.Tests.Harness;

/// <summary>
/// The result bands for the rows measured so far (docs/results.md, 2026-12-01): DPL and VPL through the
/// harness on the embedded default model, Pets, seed 0. About two minutes on two CPU cores, so Slow.
/// </summary>
[Trait("Category", "Slow")]
public class Table1BandsTests
{
    [Fact]
    public async Task DPL_is_at_chance_and_VPL_personalizes_on_the_Pets_controversial_pairs()
    {
        using var dir = new TinyModels.TempDir();
        var cells = await new Table1Harness(
            new Table1Options { Methods = ["DPL", "VPL"], Datasets = ["pets"], Seeds = 1, OutputDirectory = dir.Path },
            TextWriter.Null).RunAsync();
        Assert.InRange(cells.Single(c => c.Method == "DPL").ControversialAccuracy, 0.40, 0.60);
        Assert.True(cells.Single(c => c.Method == "VPL").ControversialAccuracy >= 0.95);
    }
}
