using System.Globalization;
using System.Text.Json.Nodes;
using Plus.Baselines.Persistence;
using Plus.Data;
using Plus.Metrics;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary><c>plus train --method DPL</c> (a Plus.Baselines trainer registered by name), then <c>eval</c> and <c>predict</c> on its folder in other processes.</summary>
public class DplCommandTests(DplRun run) : IClassFixture<DplRun>
{
    [Fact]
    public async Task Dpl_trains_and_its_folder_opens_with_eval_and_predict_with_Evaluators_numbers()
    {
        Assert.True(run.Training.ExitCode == 0, run.Training.ToString());
        Assert.Contains("Trained DPL: 2 steps on 16 examples", run.Training.Output);
        Assert.Equal([1, 2], run.Metrics().Select(m => (int)m["step"]!));

        using var model = TrainedModels.Load(Path.Combine(run.Run, "model"));
        Assert.Equal("DPL", model.Metadata.Method);
        var expected = await Evaluator.EvaluateAsync(model, await PreferenceJsonl.ReadAllAsync(run.TestFile));

        var eval = await PlusTool.RunAsync("eval", "--model", run.Run, "--data", run.TestFile);
        Assert.True(eval.ExitCode == 0, eval.ToString());
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"DPL on {run.TestFile}: accuracy {expected.Accuracy:F4} (8 examples)"), eval.Output);

        var predict = await PlusTool.RunAsync("predict", "--model", run.Run, "--data", run.TestFile);
        Assert.True(predict.ExitCode == 0, predict.ToString());
        var probabilities = predict.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (double)JsonNode.Parse(l)!["probability_first"]!).ToList();
        Assert.Equal(8, probabilities.Count);
        Assert.Equal(expected.Accuracy, PreferenceAccuracy.Compute(await PreferenceJsonl.ReadAllAsync(run.TestFile), probabilities).Accuracy, 12);

        // DPL has no summarizer: summarize says so and fails.
        var summarize = await PlusTool.RunAsync("summarize", "--model", run.Run, "--data", run.TestFile);
        Assert.NotEqual(0, summarize.ExitCode);
        Assert.Contains("has no summarizer", summarize.Error);
    }
}
