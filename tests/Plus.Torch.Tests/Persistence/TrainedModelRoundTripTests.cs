using System.Diagnostics;
using System.Text.Json.Nodes;
using Plus.Data;
using Plus.Torch.Persistence;

namespace Plus.Torch.Tests.Persistence;

/// <summary>Save → load in a new process → the same probabilities and summaries, for every method; the folder's formats.</summary>
public sealed class TrainedModelRoundTripTests(TrainedModelsFixture fixture) : IClassFixture<TrainedModelsFixture>
{
    private static string ProbePath()
    {
        // tests/Plus.Torch.Tests/bin/<Configuration>/net10.0/ → tests/Plus.ModelProbe/bin/<Configuration>/net10.0/
        var baseDir = new DirectoryInfo(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar));
        string framework = baseDir.Name, configuration = baseDir.Parent!.Name;
        var tests = baseDir.Parent.Parent!.Parent!.Parent!;
        return Path.Combine(tests.FullName, "Plus.ModelProbe", "bin", configuration, framework, "Plus.ModelProbe.dll");
    }

    [Fact]
    public async Task Every_method_reloads_in_a_new_process_with_the_same_probabilities_and_summaries()
    {
        string data = Path.Combine(fixture.Root, "probe-data.jsonl");
        string output = Path.Combine(fixture.Root, "probe-out.json");
        await PreferenceJsonl.WriteAsync(data, fixture.Test);
        string probe = ProbePath();
        Assert.True(File.Exists(probe), $"the probe was not built: {probe}");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var a in new[] { probe, "--data", data, "--out", output }) start.ArgumentList.Add(a);
        foreach (var dir in fixture.Saved.Values)
        {
            start.ArgumentList.Add("--model");
            start.ArgumentList.Add(dir);
        }

        using var process = Process.Start(start)!;
        string stderr = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        Assert.True(process.ExitCode == 0, $"probe failed ({process.ExitCode}): {stderr}");
        var result = JsonNode.Parse(await File.ReadAllTextAsync(output))!.AsObject();

        Assert.Equal(6, result.Count);
        foreach (var (name, model) in fixture.Models)
        {
            var entry = result[fixture.Saved[name]]!;
            Assert.Equal(model.Name, entry["method"]!.GetValue<string>());
            var expected = await model.PredictChosenProbabilitiesAsync(fixture.Test);
            var reloaded = entry["probabilities"]!.AsArray().Select(p => p!.GetValue<double>()).ToArray();
            Assert.Equal(expected.Count, reloaded.Length);
            double maxDelta = expected.Zip(reloaded, (x, y) => Math.Abs(x - y)).Max();
            Assert.True(maxDelta <= 1e-6, $"{name}: max |Δp| = {maxDelta}");
            if (model.Summarizer is not null)
            {
                var summaries = await model.SummarizeAsync(fixture.Test.Select(e => e.Context));
                var inProcess = fixture.Test.Select(e => e.Context).Distinct().Select(c => summaries[c].Text).ToArray();
                Assert.Equal(inProcess, entry["summaries"]!.AsArray().Select(s => s!.GetValue<string>()).ToArray());
            }
            else
            {
                Assert.Null(entry["summaries"]);
            }
        }
    }

    [Fact]
    public void The_reward_model_is_a_transformers_sequence_classification_folder_or_a_peft_adapter_with_its_head()
    {
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Saved["BTL"], "reward_model", "config.json")))!;
        Assert.Equal("Qwen2ForSequenceClassification", config["architectures"]![0]!.GetValue<string>());
        Assert.Equal("LABEL_0", config["id2label"]!["0"]!.GetValue<string>());
        Assert.True(File.Exists(Path.Combine(fixture.Saved["BTL"], "reward_model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(fixture.Saved["BTL"], "reward_model", "tokenizer.json")));

        var adapter = JsonNode.Parse(File.ReadAllText(Path.Combine(fixture.Saved["BTL-lora"], "reward_model", "adapter_config.json")))!;
        Assert.Equal("SEQ_CLS", adapter["task_type"]!.GetValue<string>());
        Assert.Contains("score", adapter["modules_to_save"]!.AsArray().Select(m => m!.GetValue<string>()));
        Assert.Equal(Path.GetFullPath(TrainedModelsFixture.ModelDir), adapter["base_model_name_or_path"]!.GetValue<string>());
        using var weights = Plus.Torch.Checkpoints.SafetensorsFile.Open(Path.Combine(fixture.Saved["BTL-lora"], "reward_model", "adapter_model.safetensors"));
        Assert.Contains("base_model.model.score.weight", weights.Tensors.Keys);
        Assert.Contains(weights.Tensors.Keys, k => k.EndsWith(".lora_A.weight", StringComparison.Ordinal));
    }

    [Fact]
    public void Plus_saves_its_summarizer_as_a_peft_causal_lm_adapter_and_the_manifest_records_how_it_samples()
    {
        string dir = fixture.Saved["PLUS"];
        var adapter = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "summarizer", "adapter_config.json")))!;
        Assert.Equal("CAUSAL_LM", adapter["task_type"]!.GetValue<string>());
        Assert.Equal(Path.GetFullPath(TrainedModelsFixture.ModelDir), adapter["base_model_name_or_path"]!.GetValue<string>());

        var manifest = TrainedModelManifest.Parse(File.ReadAllText(Path.Combine(dir, "plus.json")), "plus.json");
        Assert.Equal("PLUS", manifest.Method);
        Assert.Equal("summary", manifest.Conditioning);
        Assert.Equal("pets", manifest.Domain);
        Assert.Equal("peft-lora", manifest.Summarizer!.Format);
        Assert.Equal(6, manifest.Summarizer.Sampling.MaxSummaryTokens);
        Assert.Equal(0.2, manifest.Summarizer.Sampling.Temperature);
        Assert.Equal(11, manifest.Summarizer.Sampling.Seed);
        Assert.Equal(ContentHash.OfModelFolder(TrainedModelsFixture.ModelDir), manifest.Summarizer.BaseModel.Sha256);
        Assert.Equal(DatasetFingerprint.Of(fixture.Train), manifest.Training.DataSha256);
        Assert.Equal(4, manifest.Training.Steps);
        Assert.Contains("rm_loss", manifest.Training.FinalMetrics.Keys);
        Assert.All(manifest.Files, f => Assert.Equal(ContentHash.OfFile(Path.Combine(dir, f.Path)), f.Sha256));

        var untrained = TrainedModelManifest.Parse(File.ReadAllText(Path.Combine(fixture.Saved["PLUS-untrained"], "plus.json")), "plus.json");
        Assert.Equal("base", untrained.Summarizer!.Format);
        Assert.Null(untrained.Summarizer.Path);
        Assert.False(Directory.Exists(Path.Combine(fixture.Saved["PLUS-untrained"], "summarizer")));
    }

    [Fact]
    public async Task Subject_lines_are_saved_in_the_manifest_and_used_again_on_load()
    {
        string manifest = await File.ReadAllTextAsync(Path.Combine(fixture.Saved["Oracle"], "plus.json"));
        Assert.Contains("\"subject_lines\": true", manifest, StringComparison.Ordinal);
        Assert.DoesNotContain("subject_lines", await File.ReadAllTextAsync(Path.Combine(fixture.Saved["BTL"], "plus.json")), StringComparison.Ordinal);
        using var loaded = TrainedModel.Load(fixture.Saved["Oracle"]);
        Assert.True(loaded.RewardModel.Encoder.SubjectLines);
        using (var btl = TrainedModel.Load(fixture.Saved["BTL"])) Assert.False(btl.RewardModel.Encoder.SubjectLines);
        var example = fixture.Test[0];
        var query = new RewardQuery(example.Target.Prompt, example.Target.Chosen, UserConditioning.FromOracle(example.OraclePreference!));
        string text = loaded.RewardModel.Encoder.RenderText(query);
        Assert.Equal(fixture.Models["Oracle"].RewardModel.Encoder.RenderText(query), text);
        Assert.Equal(fixture.Models["Oracle"].RewardModel.Score([query])[0], loaded.RewardModel.Score([query])[0], 5);
    }

    [Fact]
    public async Task A_reloaded_model_summarizes_as_trained_unless_told_otherwise()
    {
        using var loaded = TrainedModel.Load(fixture.Saved["PLUS"]);
        Assert.Equal(fixture.Models["PLUS"].Summarizer!.Options with { ModelName = null }, loaded.Summarizer!.Options with { ModelName = null });
        using var greedy = TrainedModel.Load(fixture.Saved["PLUS"], new TrainedModelLoadOptions { GreedySummaries = true, MaxSummaryTokens = 3 });
        Assert.False(greedy.Summarizer!.Options.DoSample);
        Assert.Equal(3, greedy.Summarizer.Options.MaxSummaryTokens);
        var summaries = await greedy.Summarizer.SummarizeAsync([fixture.Test[0].Context]);
        Assert.Single(summaries);
    }

    [Fact]
    public async Task An_edited_summary_is_what_the_prediction_uses()
    {
        using var loaded = TrainedModel.Load(fixture.Saved["PLUS"]);
        var example = fixture.Test[0];
        var edited = UserSummary.FromUser("The user prefers cats.");
        var prediction = await loaded.Predictor.PredictAsync(example.Context, example.Target.Prompt, example.Target.Chosen, example.Target.Rejected, edited);
        Assert.Same(edited, prediction.Summary);
        var direct = loaded.RewardModel.Score(
        [
            new RewardQuery(example.Target.Prompt, example.Target.Chosen, UserConditioning.FromSummary(edited)),
            new RewardQuery(example.Target.Prompt, example.Target.Rejected, UserConditioning.FromSummary(edited)),
        ]);
        Assert.Equal(direct[0], prediction.RewardFirst);
        Assert.Equal(direct[1], prediction.RewardSecond);
    }

    [Fact]
    public async Task Saving_is_atomic_replaces_a_saved_model_and_never_a_folder_of_other_files()
    {
        string target = Path.Combine(fixture.Root, "replace");
        await fixture.Models["BTL"].SaveAsync(target);
        await fixture.Models["ICL"].SaveAsync(target);
        Assert.Equal("ICL", TrainedModelManifest.Parse(File.ReadAllText(Path.Combine(target, "plus.json")), "x").Method);
        Assert.Empty(Directory.GetDirectories(fixture.Root, ".replace.tmp-*"));
        Assert.Empty(Directory.GetDirectories(fixture.Root, "replace.old-*"));

        string other = Path.Combine(fixture.Root, "other");
        Directory.CreateDirectory(other);
        File.WriteAllText(Path.Combine(other, "notes.txt"), "mine");
        var ex = await Assert.ThrowsAsync<IOException>(() => fixture.Models["BTL"].SaveAsync(other));
        Assert.Contains("is not a saved model", ex.Message, StringComparison.Ordinal);
        Assert.Equal("mine", File.ReadAllText(Path.Combine(other, "notes.txt")));

        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fixture.Models["BTL"].SaveAsync(Path.Combine(fixture.Root, "cancelled"), cts.Token));
        Assert.False(Directory.Exists(Path.Combine(fixture.Root, "cancelled")));
    }
}
