using Plus.Torch.Persistence;
using Plus.Torch.Tests.Checkpoints;

namespace Plus.Torch.Tests.Persistence;

/// <summary>
/// The disk fills inside <see cref="TrainedModel.SaveAsync"/>'s own writers (<see cref="FullDisk"/>): whichever file
/// it is, the save fails with an <see cref="IOException"/> naming the model folder, the model saved before is intact
/// and loads, and no half-written folder is left looking like a model.
/// </summary>
public sealed class TrainedModelFullDiskTests
{
    [Fact]
    public async Task A_full_disk_at_any_file_of_SaveAsync_keeps_the_saved_model_and_names_the_folder()
    {
        using var dir = new TempDir();
        string target = Path.Combine(dir.Path, "model");
        using var first = await SaveFaultFixture.TrainAsync(seed: 4);
        using var second = await SaveFaultFixture.TrainAsync(seed: 9);
        await first.SaveAsync(target);
        var expected = await first.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test());
        Assert.NotEqual(expected, await second.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test())); // a replaced model would be noticed
        var manifest = File.ReadAllBytes(Path.Combine(target, TrainedModelManifest.FileName));

        // Which files SaveAsync writes through the seam: at least the reward model's config.json, its weights and plus.json.
        IReadOnlyList<string> written;
        using (var counting = FullDisk.Never())
        {
            await second.SaveAsync(Path.Combine(dir.Path, "counted"));
            written = counting.Opened;
        }

        Directory.Delete(Path.Combine(dir.Path, "counted"), recursive: true);
        var names = written.Select(Path.GetFileName).ToList();
        Assert.Contains("config.json", names);
        Assert.Contains("model.safetensors", names);
        Assert.Equal(TrainedModelManifest.FileName, names[^1]);

        for (int file = 0; file < written.Count; file++)
        {
            // The first 100 bytes fit; the weights file is much larger, so it fails in the middle of a tensor.
            using (var disk = FullDisk.AtFile(file, bytesBeforeFailure: 100))
            {
                var ex = await Assert.ThrowsAsync<IOException>(() => second.SaveAsync(target));
                Assert.NotNull(disk.Failed);
                Assert.Contains(FullDisk.Message, ex.Message, StringComparison.Ordinal);
                Assert.Contains($"'{target}'", ex.Message, StringComparison.Ordinal);
                Assert.Equal(FullDisk.Message, ex.InnerException?.Message);
            }

            Assert.True(manifest.AsSpan().SequenceEqual(File.ReadAllBytes(Path.Combine(target, TrainedModelManifest.FileName))), $"plus.json changed when writing {names[file]} failed");
            Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));
            Assert.Empty(Directory.EnumerateFiles(target, ".*", SearchOption.AllDirectories)); // no temporary file inside either
        }

        using (var reloaded = TrainedModel.Load(target))
        {
            Assert.Equal(expected, await reloaded.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test()));
        }

        // Into a new folder: nothing at all is left, so no folder looks like a model.
        string fresh = Path.Combine(dir.Path, "fresh");
        using (FullDisk.AtFile(written.Count - 1, bytesBeforeFailure: 0))
        {
            await Assert.ThrowsAsync<IOException>(() => second.SaveAsync(fresh));
        }

        Assert.False(Directory.Exists(fresh));
        Assert.Equal(["model"], Directory.EnumerateFileSystemEntries(dir.Path).Select(Path.GetFileName));

        // The disk has room again: the same save succeeds and replaces the model.
        await second.SaveAsync(target);
        using var replaced = TrainedModel.Load(target);
        Assert.Equal(await second.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test()), await replaced.PredictChosenProbabilitiesAsync(SaveFaultFixture.Test()));
    }
}
