using System.Buffers.Binary;
using System.Globalization;
using System.Text.Json.Nodes;
using Plus.Data;
using Plus.Metrics;
using Plus.Torch.Persistence;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary><c>plus train --method BTL</c>, then <c>eval</c>, <c>predict</c>, <c>summarize</c> and <c>plot</c> on its run folder, each a separate process.</summary>
public class TrainCommandTests(BtlRun run) : IClassFixture<BtlRun>
{
    [Fact]
    public void Train_saves_the_model_metrics_and_checkpoints_into_the_run_folder()
    {
        Assert.True(run.Training.ExitCode == 0, run.Training.ToString());
        Assert.True(File.Exists(Path.Combine(run.Run, "model", "plus.json")), run.Training.ToString());
        Assert.True(Directory.Exists(Path.Combine(run.Run, "checkpoints", "BTL")));
        var metrics = run.Metrics();
        Assert.Equal([1, 2], metrics.Select(m => (int)m["step"]!));
        Assert.All(metrics, m => Assert.Equal("bt-train", (string?)m["stage"]));
        Assert.NotNull(metrics[^1]["eval_accuracy"]);
        Assert.Matches(@"\[bt-train\] step 2/2 \(100%\)", run.Training.Output);
        Assert.Contains("Trained BTL: 2 steps on 16 examples", run.Training.Output);
        Assert.Contains(FormattableString.Invariant($"eval_accuracy={(double)metrics[^1]["eval_accuracy"]!:R}"), run.Training.Output);
        using var model = TrainedModel.Load(Path.Combine(run.Run, "model"));
        Assert.Equal("BTL", model.Metadata.Method);
        Assert.Equal(2, model.Metadata.Steps);
    }

    [Fact]
    public async Task Eval_in_another_process_gives_the_training_runs_eval_accuracy_and_the_numbers_of_Evaluator()
    {
        var json = Path.Combine(PlusTool.NewScratchFolder(), "eval.json");
        var result = await PlusTool.RunAsync("eval", "--model", run.Run, "--data", run.TestFile, "--json", json);
        Assert.True(result.ExitCode == 0, result.ToString());
        var report = JsonNode.Parse(File.ReadAllText(json))!.AsObject();
        var last = run.Metrics()[^1];

        // The same numbers as the trainer's evaluation after its last step (eval_accuracy, eval_accuracy_{group}) ...
        Assert.Equal((double)last["eval_accuracy"]!, (double)report["accuracy"]!);
        Assert.Equal(8, (int)report["count"]!);
        var groups = report["groups"]!.AsObject();
        Assert.Equal(["agreed", "controversial"], groups.Select(g => g.Key).Order());
        foreach (var (group, value) in groups) Assert.Equal((double)last["eval_accuracy_" + group]!, (double)value!["accuracy"]!);

        // ... and as Evaluator on the loaded model in this process.
        using var model = TrainedModel.Load(Path.Combine(run.Run, "model"));
        var expected = await Evaluator.EvaluateAsync(model, await PreferenceJsonl.ReadAllAsync(run.TestFile));
        Assert.Equal(expected.Accuracy, (double)report["accuracy"]!);
        foreach (var (group, accuracy) in expected.Groups)
        {
            Assert.Equal(accuracy.Accuracy, (double)groups[group]!["accuracy"]!);
            Assert.Equal(accuracy.Count, (int)groups[group]!["count"]!);
        }

        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"BTL on {run.TestFile}: accuracy {expected.Accuracy:F4} (8 examples)"), result.Output);
        Assert.Contains(string.Create(CultureInfo.InvariantCulture, $"  agreed: {expected.Groups["agreed"].Accuracy:F4} ({expected.Groups["agreed"].Count} examples)"), result.Output);

        // The model/ sub-folder opens the same way as the run folder.
        var direct = await PlusTool.RunAsync("eval", "--model", Path.Combine(run.Run, "model"), "--data", run.TestFile);
        Assert.True(direct.ExitCode == 0, direct.ToString());
        Assert.Equal(result.Output.Split('\n')[0], direct.Output.Split('\n')[0]);
    }

    [Fact]
    public async Task Predict_writes_per_example_the_user_no_summary_and_probabilities_whose_accuracy_is_evals()
    {
        var result = await PlusTool.RunAsync("predict", "--model", run.Run, "--data", run.TestFile);
        Assert.True(result.ExitCode == 0, result.ToString());
        var lines = result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonNode.Parse(l)!.AsObject()).ToList();
        var examples = await PreferenceJsonl.ReadAllAsync(run.TestFile);
        Assert.Equal(examples.Select(e => e.UserId), lines.Select(l => (string)l["user_id"]!));
        Assert.All(lines, l => Assert.Null(l["summary"]));
        Assert.True(lines.All(l => l.ContainsKey("summary")));
        var probabilities = lines.Select(l => (double)l["probability_first"]!).ToList();
        Assert.All(probabilities, p => Assert.InRange(p, 0, 1));

        // The first response is the chosen one, so these probabilities score to the accuracy eval reports.
        using var model = TrainedModel.Load(Path.Combine(run.Run, "model"));
        var expected = await Evaluator.EvaluateAsync(model, examples);
        Assert.Equal(expected.Accuracy, PreferenceAccuracy.Compute(examples, probabilities).Accuracy, 12);

        var file = Path.Combine(PlusTool.NewScratchFolder(), "sub", "predictions.jsonl");
        var toFile = await PlusTool.RunAsync("predict", "--model", run.Run, "--data", run.TestFile, "--out", file);
        Assert.True(toFile.ExitCode == 0, toFile.ToString());
        Assert.Equal(result.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries), File.ReadAllLines(file));
        Assert.Contains($"Wrote 8 predictions to {file}", toFile.Output);
    }

    [Fact]
    public async Task Summarize_and_predict_with_a_summary_are_errors_for_a_model_without_summaries()
    {
        var summarize = await PlusTool.RunAsync("summarize", "--model", run.Run, "--data", run.TestFile);
        Assert.Equal(1, summarize.ExitCode);
        Assert.Contains("error: The BTL model in '", summarize.Error);
        Assert.Contains("has no summarizer (only PLUS and PLUS-untrained write summaries)", summarize.Error);

        var predict = await PlusTool.RunAsync("predict", "--model", run.Run, "--data", run.TestFile, "--summary", "Likes dogs.");
        Assert.Equal(1, predict.ExitCode);
        Assert.Contains("error: Option '--summary' does not apply to the BTL model", predict.Error);
        Assert.Empty(predict.Output);
    }

    [Fact]
    public async Task Plot_draws_the_train_runs_metrics_as_a_png()
    {
        var png = Path.Combine(PlusTool.NewScratchFolder(), "curves.png");
        var result = await PlusTool.RunAsync("plot", "--metrics", Path.Combine(run.Run, "metrics.jsonl"), "--out", png, "--width", "640", "--height", "480");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Reward-model loss, Reward-model accuracy", result.Output);
        Assert.Contains("eval_accuracy", result.Output);
        var bytes = File.ReadAllBytes(png);
        Assert.Equal([0x89, (byte)'P', (byte)'N', (byte)'G'], bytes[..4]);
        Assert.Equal(640u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(480u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20, 4)));
    }

    [Fact]
    public async Task A_rerun_needs_resume_and_resuming_a_finished_run_reuses_it()
    {
        var copy = Path.Combine(PlusTool.NewScratchFolder(), "run");
        CopyFolder(run.Run, copy);
        string[] args = [.. run.TrainArguments[..^1], copy];

        var again = await PlusTool.RunAsync(args);
        Assert.Equal(1, again.ExitCode);
        Assert.Contains($"error: '{Path.Combine(copy, "checkpoints")}' already holds checkpoints of a run: pass --resume to continue it, or choose another --out.", again.Error);

        var resumed = await PlusTool.RunAsync([.. args, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains("already finished (2/2 steps) with the same data and options; reusing its weights", resumed.Output);
        Assert.DoesNotContain("[bt-train] step", resumed.Output);
        Assert.True(File.Exists(Path.Combine(copy, "model", "plus.json")));

        var otherOptions = await PlusTool.RunAsync([.. args, "--resume", "--seed", "7"]);
        Assert.Equal(1, otherOptions.ExitCode);
        Assert.Contains("belongs to another run", otherOptions.Error);
        Assert.Contains("plus train: pass the same --data, --method and options", otherOptions.Error);

        var otherMethod = await PlusTool.RunAsync("train", "--method", "ICL", "--data", run.TrainFile, "--out", copy, "--resume");
        Assert.Equal(1, otherMethod.ExitCode);
        Assert.Contains($"error: '{Path.Combine(copy, "checkpoints")}' holds a run of BTL, not ICL: resume it with --method BTL, or choose another --out.", otherMethod.Error);
    }

    [Fact]
    public async Task A_non_empty_out_folder_without_checkpoints_is_refused()
    {
        var folder = PlusTool.NewScratchFolder();
        File.WriteAllText(Path.Combine(folder, "notes.txt"), "mine");
        var result = await PlusTool.RunAsync("train", "--method", "BTL", "--data", run.TrainFile, "--out", folder);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"error: '{folder}' is not empty: choose a new or empty folder for --out.", result.Error);
        Assert.Equal(["notes.txt"], Directory.EnumerateFileSystemEntries(folder).Select(Path.GetFileName));
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
        }
    }
}
