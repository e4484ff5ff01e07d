using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Persistence;

/// <summary>A model save that fails partway (a full disk) leaves the previously saved model intact and loadable, and reports the error.</summary>
public sealed class TrainedModelFailedSaveTests
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    private static async Task<TrainedModel> TrainAsync(int seed)
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

    private static IReadOnlyList<PreferenceExample> Test() => new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Test.Take(6).ToList();

    [Fact]
    public async Task A_save_that_fails_after_writing_the_reward_model_keeps_the_saved_model_and_reports_the_error()
    {
        using var dir = new TempDir();
        string target = Path.Combine(dir.Path, "model");
        using var first = await TrainAsync(seed: 4);
        using var second = await TrainAsync(seed: 9);
        await first.SaveAsync(target);
        var expected = await first.PredictChosenProbabilitiesAsync(Test());
        var other = await second.PredictChosenProbabilitiesAsync(Test());
        Assert.NotEqual(expected, other); // so that a replaced model would be noticed
        var manifest = File.ReadAllBytes(Path.Combine(target, TrainedModelManifest.FileName));

        // The disk fills after the reward model's files are written (the same writer SaveAsync uses).
        var ex = Assert.Throws<IOException>(() => TrainedModelStore.SaveAtomically(target, (folder, _) =>
        {
            TrainedModelStore.WriteRewardModel(second.RewardModel, folder);
            throw new IOException("No space left on device (simulated)");
        }));
        Assert.Contains("No space left on device", ex.Message, StringComparison.Ordinal);

        Assert.Equal(manifest, File.ReadAllBytes(Path.Combine(target, TrainedModelManifest.FileName)));
        using var reloaded = TrainedModel.Load(target);
        Assert.Equal(expected, await reloaded.PredictChosenProbabilitiesAsync(Test()));
        Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
