using System.Text.Json.Nodes;
using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Rl;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Training;

/// <summary>
/// PLUS on models with few positions: summarizer prompts and reward inputs are cut to fit, every step reports what
/// was cut, each kind of cut is announced once per run, and a context that cannot fit names its example and user.
/// </summary>
[Collection(TorchGlobalRngCollection.Name)]
public sealed class PlusTrainerTruncationTests
{
    private const int SummaryTokens = 6;
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");
    private static readonly PromptRenderer Pets = new(PromptDomain.Pets);
    private readonly HfTokenizer _tokenizer = HfTokenizer.Load(ModelDir);
    private readonly IReadOnlyList<PreferenceExample> _train =
        new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Train.Take(8).ToList();

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    private static DecoderConfig Config(int positions) =>
        DecoderConfig.Load(Path.Combine(ModelDir, "config.json")) with { MaxPositionEmbeddings = positions };

    private int PromptTokens(UserContext context) =>
        _tokenizer.Encode(new ChatMlFormatter().Format(Pets.RenderSummarizerPrompt(context).Turns, addGenerationPrompt: true)).Count;

    private static PlusTrainerOptions Options(string? metrics = null) => new()
    {
        Domain = PromptDomain.Pets, RolloutBatchSize = 4, RewardMiniBatchSize = 4, MaxSummaryTokens = SummaryTokens, Seed = 11,
        ActorLearningRate = 1e-2, CriticLearningRate = 1e-2, RewardLearningRate = 1e-2, Ppo = new PpoSettings { MiniBatchSize = 2 },
        MetricsPath = metrics,
    };

    /// <summary>Positions that leave room for the newest pair of every context but not for any whole context.</summary>
    private int SummarizerPositions()
    {
        int newestOnly = _train.Max(e => PromptTokens(e.Context with { Pairs = new ValueList<PreferencePair>([e.Context.Pairs[^1]]) }));
        int whole = _train.Min(e => PromptTokens(e.Context));
        Assert.True(whole > newestOnly, $"whole contexts ({whole}) must be longer than their newest pair ({newestOnly})");
        return newestOnly + SummaryTokens;
    }

    [Fact]
    public async Task Cuts_are_reported_every_step_in_the_metrics_and_announced_once_per_run()
    {
        int positions = SummarizerPositions();
        var encoder = new RewardTextEncoder(_tokenizer, new ChatMlFormatter(), new ConditioningRenderer(Pets));
        int shortestReward = _train.Min(e => encoder.Encode(new RewardQuery(e.Target.Prompt, e.Target.Chosen, UserConditioning.FromSummary(UserSummary.FromUser("a")))).TokenIds.Count);
        int rewardPositions = shortestReward - 4; // every reward input is longer than the reward model's positions
        Assert.True(rewardPositions >= 16);
        using var summarizer = CausalLM.Create(Config(positions), seed: 1);
        using var rewardModel = new ConditionedRewardModel(RewardModel.Create(Config(rewardPositions), 5), encoder, batchSize: 8);
        Assert.Equal(rewardPositions, encoder.MaxLength);

        string dir = Path.Combine(Path.GetTempPath(), "plus-trunc-tests", Guid.NewGuid().ToString("N"));
        try
        {
            string metricsPath = Path.Combine(dir, "metrics.jsonl");
            using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options(metricsPath));
            var reports = new List<TrainingProgress>();
            await trainer.TrainAsync(_train, progress: new SyncProgress(reports.Add));

            var steps = reports.Where(r => r.Message is null).ToList();
            Assert.Equal(2, steps.Count);
            foreach (var step in steps)
            {
                Assert.Equal(4, step.Metrics["summarizer_truncated"]);
                Assert.InRange(step.Metrics["summarizer_dropped_pairs"], 4, 4 * 2);
                Assert.Equal(0, step.Metrics["summarizer_shortened_turns"]);
                Assert.Equal(8, step.Metrics["reward_truncated"]);
            }

            var notices = reports.Where(r => r.Message is not null).Select(r => r.Message!).ToList();
            Assert.Single(notices, m => m.Contains("summarizer prompts were longer", StringComparison.Ordinal));
            Assert.Single(notices, m => m.Contains($"MaxLength 1024 is more than the reward model's {rewardPositions} positions", StringComparison.Ordinal));
            Assert.Single(notices, m => m.Contains("reward-model inputs were longer", StringComparison.Ordinal));
            Assert.Equal(3, notices.Count);
            Assert.Contains(notices, m => m.Contains($"{positions} positions less MaxSummaryTokens {SummaryTokens}", StringComparison.Ordinal));

            var lines = File.ReadAllLines(metricsPath);
            Assert.Equal(2, lines.Length);
            foreach (var key in new[] { "summarizer_truncated", "summarizer_dropped_pairs", "summarizer_shortened_turns", "reward_truncated" })
                Assert.All(lines, line => Assert.NotNull(JsonNode.Parse(line)![key]));
            Assert.Equal(8, trainer.Summarizer.Statistics.Truncated);
        }
        finally
        {
            if (Directory.Exists(dir)) Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public async Task A_context_that_cannot_fit_stops_training_naming_the_example_the_user_and_the_lengths()
    {
        int positions = SummarizerPositions();
        var bad = _train[5] with { Context = _train[5].Context with { Profile = string.Join(" ", Enumerable.Repeat("I really like every pet.", 80)) } };
        var train = _train.Select((e, i) => i == 5 ? bad : e).ToList();
        using var summarizer = CausalLM.Create(Config(positions), seed: 1);
        using var rewardModel = new ConditionedRewardModel(RewardModel.FromPretrained(ModelDir, newHeadSeed: 5),
            new RewardTextEncoder(_tokenizer, new ChatMlFormatter(), new ConditioningRenderer(Pets)), batchSize: 8);
        using var trainer = new PlusTrainer(summarizer, _tokenizer, rewardModel, Options());

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => trainer.TrainAsync(train));
        Assert.Contains($"training example 5 (user '{bad.UserId}')", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"the model's {positions} positions (config max_position_embeddings)", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"MaxSummaryTokens {SummaryTokens}", ex.Message, StringComparison.Ordinal);
    }
}
