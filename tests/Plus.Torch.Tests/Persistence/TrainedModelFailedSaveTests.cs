using Plus.Torch.Persistence;
using Plus.Torch.Tests.Checkpoints;

namespace Plus.Torch.Tests.Persistence;

/// <summary>A model save that fails partway (a full disk) leaves the previously saved model intact and loadable, and reports the error.</summary>
public sealed class TrainedModelFailedSaveTests
{
    [Fact]
    public async Task A_save_that_fails_after_writing_the_reward_model_keeps_the_saved_model_and_reports_the_error()
    {
        using var dir = new TempDir();
        string target = Path.Combine(dir.Path, "model");
        using var first = await SaveFaultFixture.TrainAsync(seed: 4);
        using var second = await SaveFaultFixture.TrainAsync(seed: 9);
        await first.SaveAsync(target);
        var expected = await first.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test());
        var other = await second.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test());
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
        Assert.Equal(expected, await reloaded.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test()));
        Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
    }
}
