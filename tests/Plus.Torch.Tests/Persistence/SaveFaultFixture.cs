using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Persistence;

/// <summary>
/// What the failed-save and full-disk tests share: a BTL model of one step on the tiny chat fixture (a different
/// seed gives different predictions, so a replaced model would be noticed) and the Pets test examples they compare.
/// </summary>
internal static class SaveFaultFixture
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    /// <summary>A BTL model trained for one step on 8 Pets examples, head and run seeded by <paramref name="seed"/>.</summary>
    public static async Task<TrainedModel> TrainAsync(int seed)
    {
        var tokenizer = HfTokenizer.Load(ModelDir);
        var train = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Train.Take(8).ToList();
        var trainer = new BradleyTerryTrainer(
            new BradleyTerryOptions { BatchSize = 4, MaxSteps = 1, LearningRate = 1e-2, Seed = seed },
            () => new ConditionedRewardModel(
                RewardModel.FromPretrained(ModelDir, newHeadSeed: seed),
                new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets))),
                batchSize: 4));
        return await trainer.TrainModelAsync(train);
    }

    /// <summary>Six Pets test examples (data seed 3).</summary>
    public static IReadOnlyList<PreferenceExample> Test() => new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Test.Take(6).ToList();
}
