using Plus.Torch.Persistence;
using System.Text.Json;
using Plus.Data;
using Plus.Torch.Lora;
using Plus.Torch.Reward;
using Plus.Torch.Tests.Training;
using Plus.Torch.Training;
using Plus.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Reward;

[Collection(TorchGlobalRngCollection.Name)]
public class BradleyTerryTrainerTests
{
    private static readonly DatasetSplit Data = RewardFixture.SmallPets(24, 8, seed: 3);

    private static BradleyTerryOptions Options(string? dir = null, ConditioningKind kind = ConditioningKind.Oracle) => new()
    {
        Kind = kind,
        Epochs = 2,
        BatchSize = 4,
        LearningRate = 3e-3,
        WarmupFraction = 0.1,
        Seed = 11,
        CheckpointDirectory = dir,
        LogEvery = 1,
        // LoRA with dropout, so that resuming must also restore torch's RNG state.
        Lora = new LoraSettings { Rank = 2, Alpha = 4, Dropout = 0.1 },
    };

    private static BradleyTerryTrainer Trainer(BradleyTerryOptions options) =>
        new(options, () => RewardFixture.TinyModel(seed: 21));

    [Fact]
    public async Task Stopping_and_resuming_gives_the_uninterrupted_result()
    {
        using var dirA = new TempDirectory();
        using var dirB = new TempDirectory();
        using var uninterrupted = await Trainer(Options(dirA.Path)).TrainModelAsync(Data.Train, Data.Test);

        using var cts = new CancellationTokenSource();
        var cancelAt5 = new Reports(p => { if (p.Step == 5) cts.Cancel(); });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Trainer(Options(dirB.Path)).TrainModelAsync(Data.Train, Data.Test, cancelAt5, cts.Token));
        Assert.True(File.Exists(Path.Combine(dirB.Path, "step-00000005", "trainer_state.json")), "cancellation must write a checkpoint");

        var afterResume = new Reports();
        using var resumed = await Trainer(Options(dirB.Path)).TrainModelAsync(Data.Train, Data.Test, afterResume);

        Assert.Equal(6, afterResume.Items[0].Step);
        Assert.Contains(afterResume.Notices, n => n.Contains("resuming from checkpoint", StringComparison.Ordinal) && n.Contains("at step 5/12", StringComparison.Ordinal));
        Assert.Equal(12, afterResume.Items[^1].Step);
        var a = uninterrupted.RewardModel.Model.TrainableParameters();
        var b = resumed.RewardModel.Model.TrainableParameters();
        Assert.Equal(a.Select(p => p.Name), b.Select(p => p.Name));
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].Parameter.allclose(b[i].Parameter, rtol: 0, atol: 1e-6), $"{a[i].Name} differs after resume");
        }

        // The same weights predict the same probabilities.
        var pa = await uninterrupted.PredictChosenProbabilitiesAsync(Data.Test);
        var pb = await resumed.PredictChosenProbabilitiesAsync(Data.Test);
        Assert.Equal(pa, pb);
    }

    [Fact]
    public async Task A_different_seed_gives_a_different_run()
    {
        using var a = await Trainer(Options()).TrainModelAsync(Data.Train);
        var other = Options();
        other.Seed = 12;
        using var b = await Trainer(other).TrainModelAsync(Data.Train);
        var pa = a.RewardModel.Model.TrainableParameters();
        var pb = b.RewardModel.Model.TrainableParameters();
        Assert.Contains(Enumerable.Range(0, pa.Count), i => !pa[i].Parameter.allclose(pb[i].Parameter, 0, 0));
    }

    [Fact]
    public async Task A_nan_stops_training_naming_the_last_good_checkpoint_which_stays_intact()
    {
        using var dir = new TempDirectory();
        var options = Options(dir.Path);
        options.CheckpointEvery = 2;
        TrainedModel? captured = null;
        ConditionedRewardModel? model = null;
        var trainer = new BradleyTerryTrainer(options, () => model = RewardFixture.TinyModel(seed: 21));
        var poison = new Reports(p =>
        {
            if (p.Step == 4)
            {
                using var noGrad = no_grad();
                model!.Model.ScoreWeight.fill_(double.NaN);
            }
        });

        var ex = await Assert.ThrowsAsync<NonFiniteLossException>(async () => captured = await trainer.TrainModelAsync(Data.Train, null, poison));

        Assert.Null(captured);
        Assert.Equal(5, ex.Step);
        string good = Path.Combine(dir.Path, "step-00000004");
        Assert.Equal(Path.GetFullPath(good), ex.LastGoodCheckpoint);
        Assert.Contains("step-00000004", ex.Message, StringComparison.Ordinal);
        var store = new CheckpointStore(dir.Path);
        Assert.Equal(Path.GetFullPath(good), store.LatestPath);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "step-00000006")));

        // The checkpoint is finite and a new run resumes from it to the end.
        using (var head = Plus.Torch.Checkpoints.SafetensorsFile.Open(Path.Combine(good, "reward.trainable.safetensors")))
        using (var w = head.ReadTensor("score.weight"))
        {
            Assert.False(w.isnan().any().item<bool>());
        }

        var resumedReports = new Reports();
        using var resumed = await Trainer(options).TrainModelAsync(Data.Train, null, resumedReports);
        Assert.Equal(5, resumedReports.Items[0].Step);
        Assert.All(resumedReports.Items, r => Assert.True(double.IsFinite(r.Metrics["loss"])));
    }

    [Fact]
    public async Task Progress_reports_every_step_with_loss_accuracy_throughput_eta_and_final_group_accuracy()
    {
        using var dir = new TempDirectory();
        var reports = new Reports();
        using var trained = await Trainer(Options(dir.Path)).TrainModelAsync(Data.Train, Data.Test, reports);

        Assert.Equal(Enumerable.Range(1, 12), reports.Items.Select(r => r.Step));
        Assert.All(reports.Items, r =>
        {
            Assert.Equal("bt-train", r.Stage);
            Assert.Equal(12, r.TotalSteps);
            foreach (var key in new[] { "loss", "accuracy", "margin", "grad_norm", "lr", "pairs_per_second", "truncated" }) Assert.Contains(key, r.Metrics.Keys);
            Assert.NotNull(r.Eta);
        });
        var last = reports.Items[^1].Metrics;
        Assert.Contains("eval_accuracy", last.Keys);
        Assert.Contains("eval_accuracy_controversial", last.Keys);
        Assert.Contains("eval_accuracy_agreed", last.Keys);
        Assert.DoesNotContain("eval_accuracy", reports.Items[0].Metrics.Keys);
        Assert.Equal("Oracle", trained.Name);

        var lines = File.ReadAllLines(Path.Combine(dir.Path, "metrics.jsonl"));
        Assert.Equal(12, lines.Length);
        using var doc = JsonDocument.Parse(lines[^1]);
        Assert.Equal(12, doc.RootElement.GetProperty("step").GetInt32());
        Assert.True(doc.RootElement.TryGetProperty("eval_accuracy_controversial", out _));
    }

    [Fact]
    public async Task Cancelling_inside_a_step_keeps_the_last_completed_step_and_resumes_to_the_uninterrupted_result()
    {
        using var dirA = new TempDirectory();
        var plain = Options(dirA.Path);
        plain.MicroBatchSize = 2; // two forwards per step: the cancel lands between them, before the optimizer step
        using var uninterrupted = await Trainer(plain).TrainModelAsync(Data.Train);

        using var dirB = new TempDirectory();
        var formatter = new ArmedFormatter();
        var options = Options(dirB.Path);
        options.MicroBatchSize = 2;
        using var cts = new CancellationTokenSource();
        var trainer = new BradleyTerryTrainer(options, () => new ConditionedRewardModel(
            RewardModel.Create(RewardFixture.TinyConfig(), 21), new RewardTextEncoder(RewardFixture.PetsTokenizer, formatter, RewardFixture.PetsRenderer, 512), 16));
        var arm = new Reports(p => { if (p.Step == 5) formatter.OnNextFormat = cts.Cancel; });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.TrainModelAsync(Data.Train, null, arm, cts.Token));
        Assert.Equal(5, arm.Items[^1].Step);
        Assert.Equal(5, new CheckpointStore(dirB.Path).OpenLatest()!.State.Step);

        var resumedReports = new Reports();
        using var resumed = await trainer.TrainModelAsync(Data.Train, null, resumedReports);
        Assert.Equal(6, resumedReports.Items[0].Step);
        var a = uninterrupted.RewardModel.Model.TrainableParameters();
        var b = resumed.RewardModel.Model.TrainableParameters();
        for (int i = 0; i < a.Count; i++)
        {
            Assert.True(a[i].Parameter.allclose(b[i].Parameter, rtol: 0, atol: 1e-6), $"{a[i].Name} differs after a mid-step cancel and resume");
        }
    }

    [Fact]
    public async Task A_finished_run_is_reused_only_with_the_same_data_and_says_so()
    {
        using var dir = new TempDirectory();
        using (await Trainer(Options(dir.Path)).TrainModelAsync(Data.Train))
        {
        }

        var again = new Reports();
        using (await Trainer(Options(dir.Path)).TrainModelAsync(Data.Train, null, again))
        {
        }

        Assert.Empty(again.Items);
        Assert.Contains(again.Notices, n => n.Contains("already finished (12/12 steps)", StringComparison.Ordinal));

        var otherData = Data.Train.Reverse().ToList();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Trainer(Options(dir.Path)).TrainModelAsync(otherData));
        Assert.Contains("the training data differ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_of_another_run_is_not_resumed()
    {
        using var dir = new TempDirectory();
        using (await Trainer(Options(dir.Path)).TrainModelAsync(Data.Train))
        {
        }

        var other = Options(dir.Path);
        other.BatchSize = 6;
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Trainer(other).TrainModelAsync(Data.Train));
        Assert.Contains("belongs to another run", ex.Message, StringComparison.Ordinal);
        Assert.Contains("the training options differ", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_options_are_listed_by_name()
    {
        var options = new BradleyTerryOptions { BatchSize = 0, LearningRate = -1, MicroBatchSize = 3, WarmupFraction = 1, LabelSmoothing = 0.5 };
        var ex = Assert.Throws<ArgumentException>(() => new BradleyTerryTrainer(options, () => throw new InvalidOperationException()));
        Assert.Contains("Plus:Torch:BradleyTerry:BatchSize must be at least 1, found 0.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:BradleyTerry:LearningRate must be a positive number, found -1.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:BradleyTerry:MicroBatchSize (3) must not exceed BatchSize (0).", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:BradleyTerry:WarmupFraction must lie in [0, 1), found 1.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:BradleyTerry:LabelSmoothing must lie in [0, 0.5), found 0.5.", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new BradleyTerryTrainer(new BradleyTerryOptions { Kind = ConditioningKind.Summary }, () => throw new InvalidOperationException()));
    }

    [Fact]
    public async Task Names_follow_the_conditioning_kind()
    {
        foreach (var (kind, name) in new[] { (ConditioningKind.None, "BTL"), (ConditioningKind.Context, "ICL"), (ConditioningKind.Oracle, "Oracle") })
        {
            var options = Options(kind: kind);
            options.MaxSteps = 1;
            IPreferenceTrainer trainer = Trainer(options);
            Assert.Equal(name, trainer.Name);
            var model = await trainer.TrainAsync(Data.Train);
            Assert.Equal(name, model.Name);
            ((IDisposable)model).Dispose();
        }
    }

    private sealed class Reports(Action<TrainingProgress>? onReport = null) : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Items { get; } = [];

        public List<string> Notices { get; } = [];

        public void Report(TrainingProgress value)
        {
            if (value.Message is not null)
            {
                Notices.Add(value.Message);
                return;
            }

            Items.Add(value);
            onReport?.Invoke(value);
        }
    }
}
