using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Rl;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

[Collection(TorchGlobalRngCollection.Name)]
public sealed class PlusTrainerTests : IDisposable
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");
    private readonly string _work = Path.Combine(Path.GetTempPath(), "plus-trainer-tests", Guid.NewGuid().ToString("N"));
    private readonly HfTokenizer _tokenizer = HfTokenizer.Load(ModelDir);
    private readonly IReadOnlyList<PreferenceExample> _train =
        new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Train.Take(16).ToList();

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private ConditionedRewardModel NewRewardModel() => new(
        RewardModel.FromPretrained(ModelDir, newHeadSeed: 5),
        new RewardTextEncoder(_tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets))),
        batchSize: 8);

    private PlusTrainerOptions Options(bool trainSummarizer = true, string? checkpoints = null) => new()
    {
        Domain = PromptDomain.Pets, TrainSummarizer = trainSummarizer, RolloutBatchSize = 4, RewardMiniBatchSize = 4,
        MaxSummaryTokens = 6, Seed = 11, CheckpointDirectory = checkpoints, CheckpointEvery = 2, KeepCheckpoints = 5,
        ActorLearningRate = 1e-2, CriticLearningRate = 1e-2, RewardLearningRate = 1e-2, Ppo = new PpoSettings { MiniBatchSize = 2 },
    };

    private static float ScoreProbe(ConditionedRewardModel model) => model.Score(
        [new RewardQuery(Conversation.FromUser("Please talk about one kind of pets."), "Dogs are loyal companions.",
            UserConditioning.FromSummary(UserSummary.FromUser("The user prefers Dogs over Cats.")))])[0];

    [Fact]
    public void The_summarizer_reward_is_the_negative_bradley_terry_loss_and_higher_when_the_summary_helps()
    {
        using var helps = PlusTrainer.SummaryRewards(tensor(new float[] { 2f }), tensor(new float[] { -1f }));
        using var hurts = PlusTrainer.SummaryRewards(tensor(new float[] { -1f }), tensor(new float[] { 2f }));
        using var bt = ConditionedRewardModel.BradleyTerryLoss(tensor(new float[] { 2f }), tensor(new float[] { -1f }));
        Assert.True(helps.item<float>() > hurts.item<float>());
        Assert.True(helps.item<float>() <= 0 && hurts.item<float>() < 0);
        Assert.Equal(-bt.item<float>(), helps.item<float>(), 5);
    }

    [Fact]
    public async Task Co_training_updates_the_adapter_and_the_reward_model_and_reports_every_metric()
    {
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel();
        float before = ScoreProbe(rewardModel);
        var options = Options();
        options.MetricsPath = Path.Combine(_work, "metrics.jsonl");
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options);
        var reports = new List<TrainingProgress>();
        var model = await trainer.TrainAsync(_train, progress: new SyncProgress(reports.Add));

        Assert.Equal("PLUS", model.Name);
        Assert.Equal(4, reports.Count);
        foreach (var key in new[] { "reward_mean", "kl", "summary_tokens", "clip_fraction", "value_loss", "rm_loss", "rm_accuracy", "generation_seconds", "ppo_seconds" })
            Assert.True(reports[^1].Metrics.ContainsKey(key), $"missing metric {key}");
        Assert.NotEqual(before, ScoreProbe(rewardModel));
        Assert.Contains(trainer.SummarizerAdapter!.Layers, l => l.Value.LoraB.abs().sum().item<float>() > 0);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_work, "metrics.jsonl")).Length);
        var probabilities = await model.PredictChosenProbabilitiesAsync(_train.Take(3).ToList());
        Assert.All(probabilities, p => Assert.InRange(p, 0.0, 1.0));
    }

    [Fact]
    public async Task Frozen_summarizer_steps_train_the_critic_and_reward_model_but_leave_the_adapter_at_zero()
    {
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel();
        float before = ScoreProbe(rewardModel);
        var options = Options();
        options.FreezeSummarizerSteps = 3;
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options);
        var reports = new List<TrainingProgress>();
        var frozenB = new List<float>();
        await trainer.TrainAsync(_train, progress: new SyncProgress(p =>
        {
            reports.Add(p);
            frozenB.Add(trainer.SummarizerAdapter!.Layers.Sum(l => l.Value.LoraB.abs().sum().item<float>()));
        }));

        Assert.Equal(new double[] { 1, 1, 1, 0 }, reports.Select(r => r.Metrics["summarizer_frozen"]));
        Assert.Equal(new float[] { 0, 0, 0 }, frozenB.Take(3)); // LoRA B starts at zero and stays there while frozen
        Assert.True(frozenB[3] > 0, "the fourth step updates the summarizer");
        Assert.All(reports.Take(3), r => Assert.Equal(0.0, r.Metrics["policy_loss"]));
        Assert.All(reports.Take(3), r => Assert.True(r.Metrics["value_loss"] > 0, "the critic trains while the summarizer is frozen"));
        Assert.NotEqual(before, ScoreProbe(rewardModel));
    }

    [Fact]
    public async Task Plus_untrained_leaves_the_summarizer_untouched()
    {
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        var weightsBefore = summarizer.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.clone());
        using var rewardModel = NewRewardModel();
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(trainSummarizer: false));
        var reports = new List<TrainingProgress>();
        var model = await trainer.TrainAsync(_train, progress: new SyncProgress(reports.Add));

        Assert.Equal("PLUS-untrained", model.Name);
        // No PPO, so no summarizer reward is scored: the reward-model update's own truncation count is reported instead.
        foreach (var key in new[] { "reward_truncated", "rm_loss", "rm_accuracy", "summary_tokens" })
            Assert.True(reports[^1].Metrics.ContainsKey(key), $"missing metric {key}");
        foreach (var key in new[] { "reward_mean", "kl", "value_loss" })
            Assert.False(reports[^1].Metrics.ContainsKey(key), $"PLUS-untrained reported the PPO metric {key}");
        Assert.Null(trainer.SummarizerAdapter);
        foreach (var (name, value) in summarizer.state_dict())
            Assert.True(value.equal(weightsBefore[name]).all().item<bool>(), $"{name} changed");
    }

    [Fact]
    public async Task Native_memory_stays_flat_over_many_ppo_steps()
    {
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel();
        var options = Options();
        options.Epochs = 8; // 4 steps an epoch: 32 PPO steps.
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options);
        var live = new List<long>();
        await trainer.TrainAsync(_train, progress: new SyncProgress(_ => live.Add(DisposeScopeManager.Statistics.ThreadTotalLiveCount)));

        Assert.Equal(32, live.Count);
        Assert.Equal(live[4], live[^1]);
    }

    [Fact]
    public async Task Cancelling_writes_a_checkpoint_and_resuming_gives_the_uninterrupted_result()
    {
        float uninterrupted;
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: Path.Combine(_work, "a"))))
        {
            await trainer.TrainAsync(_train);
            uninterrupted = ScoreProbe(rewardModel);
        }

        string dir = Path.Combine(_work, "b");
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: dir)))
        {
            using var cts = new CancellationTokenSource();
            var progress = new SyncProgress(p => { if (p.Step == 3) cts.Cancel(); });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.TrainAsync(_train, progress: progress, cancellationToken: cts.Token));
        }

        Assert.Equal(3, new CheckpointStore(dir).OpenLatest()!.State.Step);
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: dir)))
        {
            var steps = new List<int>();
            await trainer.TrainAsync(_train, progress: new SyncProgress(p => { if (p.Message is null) steps.Add(p.Step); }));
            Assert.Equal([4], steps);
            Assert.Equal(uninterrupted, ScoreProbe(rewardModel), 4);
        }
    }

    [Fact]
    public async Task Cancelling_inside_a_step_keeps_the_last_completed_step_and_resumes_to_the_uninterrupted_result()
    {
        float uninterrupted;
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: Path.Combine(_work, "a"))))
        {
            await trainer.TrainAsync(_train);
            uninterrupted = ScoreProbe(rewardModel);
        }

        string dir = Path.Combine(_work, "b");
        var options = Options(checkpoints: dir);
        options.CheckpointEvery = 100; // nothing on disk until the cancel: the loop must write step 3's checkpoint itself
        var formatter = new ArmedFormatter();
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options, chatFormatter: formatter))
        {
            using var cts = new CancellationTokenSource();
            // Armed after step 3: step 4 renders its summarizer prompts, the token is cancelled, generation stops inside the step.
            var progress = new SyncProgress(p => { if (p.Step == 3) formatter.OnNextFormat = cts.Cancel; });
            await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.TrainAsync(_train, progress: progress, cancellationToken: cts.Token));
        }

        Assert.Equal(3, new CheckpointStore(dir).OpenLatest()!.State.Step);
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options))
        {
            var notices = new List<string>();
            await trainer.TrainAsync(_train, progress: new SyncProgress(p => { if (p.Message is not null) notices.Add(p.Message); }));
            Assert.Contains(notices, n => n.Contains("at step 3/4", StringComparison.Ordinal));
            Assert.Equal(uninterrupted, ScoreProbe(rewardModel), 4);
        }
    }

    private static IReadOnlyList<PreferenceExample> Anchors(int seed) => new RewardWarmStartBuilder(
        SummarizationWarmStartBuilder.PredicatesFrom(Enum.GetValues<PetAnimal>().SelectMany(new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).TrainSentences)),
        ["Apples", "Pears", "Kites", "Maps"]) { Seed = seed }.Build(6);

    [Fact]
    public async Task Reward_anchors_join_every_reward_model_update_and_other_anchors_are_another_run()
    {
        string dir = Path.Combine(_work, "anchors");
        var options = Options(trainSummarizer: false, checkpoints: dir);
        options.RewardAnchorsPerStep = 4;
        var reports = new List<TrainingProgress>();
        float before;
        float after;
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options, rewardAnchors: Anchors(1)))
        {
            before = ScoreProbe(rewardModel);
            await trainer.TrainAsync(_train, progress: new SyncProgress(reports.Add));
            after = ScoreProbe(rewardModel);
        }

        Assert.Equal(4, reports.Count);
        foreach (var report in reports)
        {
            Assert.InRange(report.Metrics["rm_anchor_accuracy"], 0.0, 1.0);
            Assert.True(double.IsFinite(report.Metrics["rm_anchor_loss"]) && report.Metrics["rm_anchor_loss"] > 0);
        }

        // The anchors change what the reward model learns: without them the same run ends elsewhere.
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(trainSummarizer: false)))
        {
            await trainer.TrainAsync(_train);
            Assert.NotEqual(after, ScoreProbe(rewardModel));
            Assert.NotEqual(before, after);
        }

        // Other anchors make another run: its checkpoint is not resumed.
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options, rewardAnchors: Anchors(2)))
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => trainer.TrainAsync(_train));
            Assert.Contains("the training options differ", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Reward_label_smoothing_and_anchors_are_validated_by_name()
    {
        var bad = new PlusTrainerOptions { RewardLabelSmoothing = 0.6, RewardAnchorsPerStep = -1 };
        var errors = bad.Validate();
        Assert.Contains(errors, e => e.StartsWith("Plus:Training:RewardLabelSmoothing:", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.StartsWith("Plus:Training:RewardAnchorsPerStep:", StringComparison.Ordinal));
        Assert.Empty(new PlusTrainerOptions { RewardLabelSmoothing = 0.1 }.Validate());
    }

    [Fact]
    public void Anchors_asked_for_and_not_given_are_a_clear_error()
    {
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel();
        var options = Options(trainSummarizer: false);
        options.RewardAnchorsPerStep = 2;
        var none = Assert.Throws<ArgumentException>(() => new PlusTrainer(summarizer, _tokenizer, rewardModel, options));
        Assert.Contains("Plus:Training:RewardAnchorsPerStep is 2", none.Message, StringComparison.Ordinal);
        var blank = Anchors(1).Select((a, i) => i == 3 ? a with { OraclePreference = " " } : a).ToList();
        var noText = Assert.Throws<ArgumentException>(() => new PlusTrainer(summarizer, _tokenizer, rewardModel, options, rewardAnchors: blank));
        Assert.Contains("rewardAnchors[3]", noText.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_checkpoint_of_other_data_is_refused()
    {
        string dir = Path.Combine(_work, "c");
        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: dir)))
        {
            await trainer.TrainAsync(_train);
        }

        using (var summarizer = CausalLM.FromPretrained(ModelDir))
        using (var rewardModel = NewRewardModel())
        using (var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: dir)))
        {
            var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => trainer.TrainAsync(_train.Reverse().ToList()));
            Assert.Contains("the training data differ", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Evaluation_on_held_out_examples_is_recorded_in_the_metrics()
    {
        string metrics = Path.Combine(_work, "eval", "metrics.jsonl");
        var options = Options();
        options.MetricsPath = metrics;
        options.EvalEvery = 2;
        var eval = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Test.Take(6).ToList();
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel();
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, options);
        using var model = await trainer.TrainModelAsync(_train, eval);
        var lines = File.ReadAllLines(metrics).Select(l => System.Text.Json.JsonDocument.Parse(l).RootElement).ToList();
        Assert.Equal(4, lines.Count);
        Assert.False(lines[0].TryGetProperty("eval_accuracy", out _));
        Assert.True(lines[1].TryGetProperty("eval_accuracy", out _));
        Assert.True(lines[3].TryGetProperty("eval_accuracy_controversial", out var last));
        var report = Plus.Metrics.PreferenceAccuracy.Compute(eval, await model.PredictChosenProbabilitiesAsync(eval));
        Assert.Equal(report.Groups[Plus.Data.ExampleGroups.Controversial].Accuracy, last.GetDouble(), 6);
        Assert.Equal(last.GetDouble(), model.Metadata.FinalMetrics["eval_accuracy_controversial"], 6);
    }

    [Fact]
    public async Task A_non_finite_loss_stops_with_a_clear_error_and_keeps_the_last_good_checkpoint()
    {
        string dir = Path.Combine(_work, "nan");
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel();
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(checkpoints: dir));
        var progress = new SyncProgress(p =>
        {
            if (p.Step == 2)
            {
                using var noGrad = no_grad();
                rewardModel.Model.ScoreWeight.fill_(float.NaN);
            }
        });

        var ex = await Assert.ThrowsAsync<NonFiniteLossException>(() => trainer.TrainAsync(_train, progress: progress));
        var store = new CheckpointStore(dir);
        Assert.Equal(2, store.OpenLatest()!.State.Step);
        Assert.Equal(store.LatestPath, ex.LastGoodCheckpoint);
        Assert.Contains(store.LatestPath!, ex.Message);
    }
}
