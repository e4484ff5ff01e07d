using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Persistence;

/// <summary>
/// Trains every method that exists (BTL, BTL with LoRA, ICL, Oracle, PLUS-untrained, PLUS) for a few steps on the
/// tiny-chat fixture model, saves each, and keeps the in-process models for comparison.
/// </summary>
public sealed class TrainedModelsFixture : IAsyncLifetime
{
    public static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    public string Root { get; } = Path.Combine(Path.GetTempPath(), "plus-trained-models", Guid.NewGuid().ToString("N"));

    public HfTokenizer Tokenizer { get; } = HfTokenizer.Load(ModelDir);

    public IReadOnlyList<PreferenceExample> Train { get; } = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Train.Take(16).ToList();

    public IReadOnlyList<PreferenceExample> Test { get; } = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Test.Take(12).ToList();

    public Dictionary<string, TrainedModel> Models { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Saved { get; } = new(StringComparer.Ordinal);

    private readonly List<IDisposable> _owned = [];

    public ConditionedRewardModel NewRewardModel(int seed = 5, bool subjectLines = false) => new(
        RewardModel.FromPretrained(ModelDir, newHeadSeed: seed),
        new RewardTextEncoder(Tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets)), subjectLines: subjectLines),
        batchSize: 8);

    /// <summary>The Oracle model's encoder reads subjects at line starts (RewardTextEncoder.SubjectLines), so the round trips cover it.</summary>
    public const bool OracleSubjectLines = true;

    public PlusTrainerOptions PlusOptions(bool trainSummarizer) => new()
    {
        Domain = PromptDomain.Pets, TrainSummarizer = trainSummarizer, RolloutBatchSize = 4, RewardMiniBatchSize = 4,
        MaxSummaryTokens = 6, Seed = 11, ActorLearningRate = 1e-2, CriticLearningRate = 1e-2, RewardLearningRate = 1e-2,
        Ppo = new Plus.Torch.Rl.PpoSettings { MiniBatchSize = 2 },
    };

    public async Task InitializeAsync()
    {
        foreach (var (name, kind, lora) in new[]
        {
            ("BTL", ConditioningKind.None, false), ("BTL-lora", ConditioningKind.None, true),
            ("ICL", ConditioningKind.Context, false), ("Oracle", ConditioningKind.Oracle, false),
        })
        {
            var options = new BradleyTerryOptions
            {
                Kind = kind, BatchSize = 8, MaxSteps = 2, LearningRate = 1e-3, Seed = 4,
                Lora = lora ? new LoraSettings { Rank = 4, Alpha = 8 } : null,
            };
            var trainer = new BradleyTerryTrainer(options, () => NewRewardModel(subjectLines: kind == ConditioningKind.Oracle && OracleSubjectLines));
            Models[name] = await trainer.TrainModelAsync(Train);
        }

        foreach (bool trainSummarizer in new[] { false, true })
        {
            var summarizer = CausalLM.FromPretrained(ModelDir);
            var reward = NewRewardModel();
            var trainer = new PlusTrainer(summarizer, Tokenizer, reward, PlusOptions(trainSummarizer), ownsModels: true);
            _owned.Add(trainer);
            Models[trainer.Name] = await trainer.TrainModelAsync(Train);
        }

        foreach (var (name, model) in Models)
        {
            string dir = Path.Combine(Root, name);
            await model.SaveAsync(dir);
            Saved[name] = dir;
        }
    }

    public Task DisposeAsync()
    {
        foreach (var model in Models.Values) model.Dispose();
        foreach (var d in _owned) d.Dispose();
        if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        return Task.CompletedTask;
    }
}
