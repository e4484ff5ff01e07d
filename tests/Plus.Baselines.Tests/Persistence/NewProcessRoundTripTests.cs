using System.Diagnostics;
using System.Text.Json.Nodes;
using Plus.Baselines.Dpl;
using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Trainers;
using Plus.Data;

namespace Plus.Baselines.Tests.Persistence;

/// <summary>DPL and VPL saved here reopen in a fresh process (tests/Plus.ModelProbe) with the same probabilities.</summary>
public class NewProcessRoundTripTests
{
    private static string ProbePath()
    {
        // tests/Plus.Baselines.Tests/bin/<Configuration>/net10.0/ → tests/Plus.ModelProbe/bin/<Configuration>/net10.0/
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = baseDir.Name, configuration = baseDir.Parent!.Name;
        var tests = baseDir.Parent.Parent!.Parent!.Parent!;
        return Path.Combine(tests.FullName, "Plus.ModelProbe", "bin", configuration, framework, "Plus.ModelProbe.dll");
    }

    [Fact]
    public async Task DPL_and_VPL_reload_in_a_new_process_with_the_same_probabilities()
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(16);
        using var dpl = await BaselineTrainers.Dpl(() => TinyModels.BaseRewardModel(), o =>
        {
            o.Head = new DplOptions { Variant = DplVariant.Categorical };
            o.Training.BatchSize = 8;
        }).TrainModelAsync(data.Train);
        using var vpl = await BaselineTrainers.Vpl(() => TinyModels.BaseRewardModel(), o =>
        {
            o.Vpl = new Plus.Baselines.Vpl.VplOptions { LatentSize = 8, HiddenSize = 16 };
            o.Training.BatchSize = 8;
        }).TrainModelAsync(data.Train);
        var models = new Dictionary<string, ITrainedPreferenceModel> { [Path.Combine(dir.Path, "dpl")] = dpl, [Path.Combine(dir.Path, "vpl")] = vpl };
        foreach (var (path, model) in models) await model.SaveAsync(path);
        string examples = Path.Combine(dir.Path, "data.jsonl"), output = Path.Combine(dir.Path, "out.json");
        await PreferenceJsonl.WriteAsync(examples, data.Train);

        string probe = ProbePath();
        Assert.True(File.Exists(probe), $"the probe was not built: {probe}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { probe, "--data", examples, "--out", output, "--model", Path.Combine(dir.Path, "dpl"), "--model", Path.Combine(dir.Path, "vpl") }) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"probe failed ({process.ExitCode}): {stderr}");

        var result = JsonNode.Parse(await File.ReadAllTextAsync(output))!.AsObject();
        foreach (var (path, model) in models)
        {
            var entry = result[path]!;
            Assert.Equal(model.Name, entry["method"]!.GetValue<string>());
            var expected = await model.PredictChosenProbabilitiesAsync(data.Train);
            var reloaded = entry["probabilities"]!.AsArray().Select(p => p!.GetValue<double>()).ToArray();
            Assert.Equal(expected.Count, reloaded.Length);
            double maxDelta = expected.Zip(reloaded, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(maxDelta <= 1e-6, $"{model.Name}: max |Δp| = {maxDelta}");
            Assert.Null(entry["summaries"]);
        }
    }
}
