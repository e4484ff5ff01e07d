using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary>
/// SIGKILL during <c>plus train</c> (no handler runs, nothing is flushed): rerunning with <c>--resume</c> until the run
/// finishes gives the model and the final metrics of an uninterrupted run, and no checkpoint folder is ever left half
/// written under its final name.
/// </summary>
/// <remarks>
/// Two methods: PLUS-untrained (its default cadence, a checkpoint every 10 steps) and BTL, the Bradley-Terry loop that
/// ICL, Oracle, DPL and VPL share, with <c>--checkpoint-every 5</c>.
/// </remarks>
public class KillResumeTests
{
    private static readonly Regex StepFolder = new(@"^step-(\d{8})$", RegexOptions.CultureInvariant);

    /// <summary>Every folder named like a checkpoint holds a trainer_state.json for its own step.</summary>
    private static void AssertCheckpointsComplete(string checkpoints, string when)
    {
        if (!Directory.Exists(checkpoints)) return;
        foreach (var dir in Directory.EnumerateDirectories(checkpoints))
        {
            var match = StepFolder.Match(Path.GetFileName(dir));
            if (!match.Success) continue;
            string state = Path.Combine(dir, "trainer_state.json");
            Assert.True(File.Exists(state), $"{when}: '{dir}' looks complete but has no trainer_state.json");
            Assert.Equal(int.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture), (int)JsonNode.Parse(File.ReadAllText(state))!["step"]!);
        }
    }

    /// <summary>The highest step among the folders named like checkpoints (0 when none); old ones are pruned, so counting would not do.</summary>
    private static int LatestStep(string checkpoints) => !Directory.Exists(checkpoints) ? 0 : Directory.EnumerateDirectories(checkpoints)
        .Select(d => StepFolder.Match(Path.GetFileName(d)))
        .Where(m => m.Success)
        .Select(m => int.Parse(m.Groups[1].Value, CultureInfo.InvariantCulture))
        .DefaultIfEmpty(0)
        .Max();

    private static string FinalLine(string output, string method) =>
        output.Split('\n').Single(l => l.StartsWith($"Trained {method}:", StringComparison.Ordinal)).TrimEnd('\r');

    /// <summary>A saved model folder is either absent or complete: it has its manifest (written last, then the folder is moved into place).</summary>
    private static void AssertModelFolderComplete(string run, string when)
    {
        string model = Path.Combine(run, "model");
        if (Directory.Exists(model)) Assert.True(File.Exists(Path.Combine(model, "plus.json")), $"{when}: '{model}' exists without plus.json");
    }

    /// <summary>Every tensor of every safetensors file of the two saved models is within 1e-6 of the other's.</summary>
    private static void AssertSameWeights(string expectedModel, string actualModel, int kills)
    {
        var files = Directory.EnumerateFiles(expectedModel, "*.safetensors", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(expectedModel, f)).Order().ToList();
        Assert.NotEmpty(files);
        Assert.Equal(files, Directory.EnumerateFiles(actualModel, "*.safetensors", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(actualModel, f)).Order());
        foreach (var file in files)
        {
            using var expected = Plus.Torch.Checkpoints.SafetensorsFile.Open(Path.Combine(expectedModel, file));
            using var actual = Plus.Torch.Checkpoints.SafetensorsFile.Open(Path.Combine(actualModel, file));
            Assert.Equal(expected.Tensors.Keys.Order(), actual.Tensors.Keys.Order());
            foreach (var name in expected.Tensors.Keys)
            {
                using var scope = TorchSharp.torch.NewDisposeScope();
                var e = expected.ReadTensor(name, TorchSharp.torch.ScalarType.Float64);
                var a = actual.ReadTensor(name, TorchSharp.torch.ScalarType.Float64);
                Assert.Equal(e.shape, a.shape);
                if (e.numel() == 0) continue;
                double diff = e.sub(a).abs().max().item<double>();
                Assert.True(diff <= 1e-6, $"{file} {name}: differs by {diff} after {kills} kills");
            }
        }
    }

    private static async Task<List<double>> PredictAsync(string run, string data)
    {
        var predicted = await PlusTool.RunAsync("predict", "--model", run, "--data", data);
        Assert.True(predicted.ExitCode == 0, predicted.ToString());
        return predicted.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(l => (double)JsonNode.Parse(l)!["probability_first"]!).ToList();
    }

    [Fact] // Linux and macOS: Process.Kill sends SIGKILL.
    [Trait("Category", "Slow")]
    public Task Sigkill_at_seeded_points_then_resume_gives_the_uninterrupted_model_and_metrics() =>
        // 30 steps, checkpoints at 10, 20 and 30 (PLUS-untrained's default cadence); a kill up to 0.8 s after one.
        KillAndResumeAsync("PLUS-untrained", [], trainExamples: 60, maxDelayMs: 800, seed: 13, compareWeightsInProcess: false);

    [Fact] // Linux and macOS: Process.Kill sends SIGKILL.
    [Trait("Category", "Slow")]
    public Task Sigkill_of_a_Bradley_Terry_run_at_seeded_points_then_resume_gives_the_uninterrupted_model_and_metrics() =>
        // 40 BTL steps (0.05 to 0.13 s each on the tiny model), a checkpoint every 4; a kill up to 0.4 s after one lands
        // mid-step, mid-checkpoint or, after step 40, while the model is saved. (With 20 steps a quiet machine finished
        // the first run before any kill.) The weights are compared in this process (two fewer tool runs than predicting).
        KillAndResumeAsync("BTL", ["--checkpoint-every", "4"], trainExamples: 80, maxDelayMs: 400, seed: 29, compareWeightsInProcess: true);

    /// <summary>
    /// Runs <c>plus train</c> on <paramref name="trainExamples"/> pets examples in batches of 2 once uninterrupted, then
    /// in another folder killed with SIGKILL three times at seeded points (a random delay after a new checkpoint folder
    /// appears), each time rerun with <c>--resume</c>, and once more to the end; checks the checkpoints after every kill
    /// and compares the final metrics line, the model (its predictions through <c>plus predict</c>, or its weights) and
    /// <c>metrics.jsonl</c> with the uninterrupted run's.
    /// </summary>
    private static async Task KillAndResumeAsync(string method, string[] extra, int trainExamples, int maxDelayMs, int seed, bool compareWeightsInProcess)
    {
        int totalSteps = trainExamples / 2;
        var data = PlusTool.NewScratchFolder();
        var prepared = await PlusTool.RunAsync("data", "pets", "--out", data, "--train-examples", trainExamples.ToString(CultureInfo.InvariantCulture), "--test-examples", "12");
        Assert.True(prepared.ExitCode == 0, prepared.ToString());
        string train = Path.Combine(data, "train.jsonl");
        string test = Path.Combine(data, "test.jsonl");
        string[] Args(string run) => ["train", "--method", method, "--data", train, "--batch-size", "2", "--domain", "pets", "--out", run, .. extra];

        var reference = Path.Combine(PlusTool.NewScratchFolder(), "run");
        var uninterrupted = await PlusTool.RunAsync(Args(reference));
        Assert.True(uninterrupted.ExitCode == 0, uninterrupted.ToString());

        var run = Path.Combine(PlusTool.NewScratchFolder(), "run");
        string checkpoints = Path.Combine(run, "checkpoints", method);
        var random = new Random(seed);
        int kills = 0;
        ToolResult? finished = null;
        for (int attempt = 0; attempt < 8 && finished is null; attempt++)
        {
            string[] args = attempt == 0 ? Args(run) : [.. Args(run), "--resume"];
            if (kills >= 3)
            {
                finished = await PlusTool.RunAsync(args);
                break;
            }

            using var process = PlusTool.Start(args);
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            int before = LatestStep(checkpoints);

            // Wait for a new checkpoint to appear (polling; the run itself is not timed), then kill at a seeded point
            // after it: mid-step, mid-checkpoint or mid-save of the model.
            while (!process.HasExited && LatestStep(checkpoints) <= before)
            {
                await Task.Delay(5);
            }

            await Task.Delay(random.Next(0, maxDelayMs));
            if (!process.HasExited)
            {
                process.Kill();
                kills++;
            }

            await PlusTool.WaitAsync(process, args);
            string output = await stdout;
            string error = await stderr;
            AssertCheckpointsComplete(checkpoints, $"after attempt {attempt}");
            AssertModelFolderComplete(run, $"after attempt {attempt}");
            if (process.ExitCode == 0) finished = new ToolResult(0, output, error);
        }

        Assert.NotNull(finished);
        Assert.True(finished.ExitCode == 0, finished.ToString());
        Assert.True(kills >= 1, "no run was killed: the test did not test anything");
        AssertCheckpointsComplete(checkpoints, "at the end");
        // The finishing run resumed: from a checkpoint mid-run, or, when the last kill came after the final checkpoint
        // (while the model was being saved), from the finished run, whose weights it reuses.
        Assert.True(
            finished.Output.Contains("resuming from checkpoint", StringComparison.Ordinal) || finished.Output.Contains("already finished", StringComparison.Ordinal),
            $"the finishing run did not resume: {finished}");
        Assert.Equal(FinalLine(uninterrupted.Output, method), FinalLine(finished.Output, method));

        if (compareWeightsInProcess)
        {
            AssertSameWeights(Path.Combine(reference, "model"), Path.Combine(run, "model"), kills);
        }
        else
        {
            var expected = await PredictAsync(reference, test);
            var actual = await PredictAsync(run, test);
            Assert.Equal(expected.Count, actual.Count);
            Assert.NotEmpty(expected);
            for (int i = 0; i < expected.Count; i++)
            {
                Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-6, $"example {i}: {expected[i]} uninterrupted, {actual[i]} after {kills} kills");
            }
        }

        var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => (int)JsonNode.Parse(l)!["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, totalSteps), steps);
    }
}
