using System.Text.Json.Nodes;
using Plus.Data;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary><c>plus summarize</c> and <c>plus predict</c> on a PLUS-untrained model trained for two steps.</summary>
public class SummarizeAndPredictTests(PlusUntrainedRun run) : IClassFixture<PlusUntrainedRun>
{
    [Fact]
    public async Task Summarize_writes_one_summary_per_distinct_user_and_context()
    {
        Assert.True(run.Training.ExitCode == 0, run.Training.ToString());
        Assert.Contains("Trained PLUS-untrained: 2 steps on 16 examples", run.Training.Output);
        var examples = await PreferenceJsonl.ReadAllAsync(run.TestFile);
        var result = await PlusTool.RunAsync("summarize", "--model", run.Run, "--data", run.TestFile);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = Lines(result.Output);
        var distinct = examples.Select(e => (e.UserId, e.Context)).Distinct().ToList();
        Assert.True(distinct.Count < examples.Count); // Pets users have two examples sharing one context
        Assert.Equal(distinct.Select(d => d.UserId), lines.Select(l => (string)l["user_id"]!));
        Assert.All(lines, l => Assert.False(string.IsNullOrWhiteSpace((string?)l["summary"])));

        var file = Path.Combine(PlusTool.NewScratchFolder(), "summaries.jsonl");
        var toFile = await PlusTool.RunAsync("summarize", "--model", run.Run, "--data", run.TestFile, "--out", file);
        Assert.True(toFile.ExitCode == 0, toFile.ToString());
        Assert.Equal(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), File.ReadAllLines(file)); // seeded: the same summaries
        Assert.Contains($"Wrote {distinct.Count} summaries of {distinct.Count} users to {file}", toFile.Output);
    }

    [Fact]
    public async Task Predict_uses_the_users_summary_or_the_one_passed_with_summary()
    {
        var summaries = Lines((await PlusTool.RunAsync("summarize", "--model", run.Run, "--data", run.TestFile)).Output)
            .ToDictionary(l => (string)l["user_id"]!, l => (string)l["summary"]!);
        var generated = await PlusTool.RunAsync("predict", "--model", run.Run, "--data", run.TestFile);
        Assert.True(generated.ExitCode == 0, generated.ToString());
        var withSummaries = Lines(generated.Output);
        Assert.Equal(8, withSummaries.Count);
        Assert.All(withSummaries, l => Assert.Equal(summaries[(string)l["user_id"]!], (string?)l["summary"]));

        const string edited = "The user prefers statements about cats.";
        var result = await PlusTool.RunAsync("predict", "--model", run.Run, "--data", run.TestFile, "--summary", edited);
        Assert.True(result.ExitCode == 0, result.ToString());
        var withEdited = Lines(result.Output);
        Assert.Equal(withSummaries.Select(l => (string)l["user_id"]!), withEdited.Select(l => (string)l["user_id"]!));
        Assert.All(withEdited, l => Assert.Equal(edited, (string?)l["summary"]));
        Assert.All(withEdited, l => Assert.InRange((double)l["probability_first"]!, 0, 1));
        // The summary reaches the reward model: another summary, other probabilities.
        Assert.NotEqual(withSummaries.Select(l => (double)l["probability_first"]!), withEdited.Select(l => (double)l["probability_first"]!));
    }

    private static List<JsonObject> Lines(string output) =>
        [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject())];
}
