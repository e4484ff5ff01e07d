using Plus.Data;
using Plus.Torch.Lora;
using Plus.Torch.Reward;
using Plus.Torch.Tests.Persistence;
using Plus.Torch.Tests.Reward;
using Plus.Torch.Training;
using Plus.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

/// <summary>
/// The disk fills inside the checkpoint writers themselves (<see cref="FullDisk"/>, through the internal seam every
/// checkpoint file is written through): the previous checkpoint stays the latest and loads, nothing is published
/// half written, and the error names the checkpoint.
/// </summary>
[Collection(TorchGlobalRngCollection.Name)]
public sealed class CheckpointFullDiskTests
{
    private static Sequential NewModel(long seed)
    {
        manual_seed(seed);
        return nn.Sequential(("fc1", nn.Linear(4, 8)), ("act", nn.Tanh()), ("fc2", nn.Linear(8, 1)));
    }

    private static void WriteAll(CheckpointWriter w, Sequential model, optim.Optimizer optimizer)
    {
        w.SaveModule("policy", model);
        w.SaveOptimizer("policy", optimizer);
        w.SaveRngState();
        w.WriteJson("extra.json", new Dictionary<string, int> { ["answer"] = 42 });
    }

    [Fact]
    public void A_full_disk_at_any_file_of_a_checkpoint_keeps_the_previous_one_and_names_the_checkpoint()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using var model = NewModel(1);
        var optimizer = optim.AdamW(model.parameters(), 1e-2);
        using (var x = randn(8, 4))
        {
            model.forward(x).sum().backward();
        }

        optimizer.step();
        var good = model.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());
        string first = store.Save(new TrainerState { Step = 10, Epoch = 1 }, w => WriteAll(w, model, optimizer));

        using (no_grad())
        {
            foreach (var p in model.parameters()) p.add_(1.0);
        }

        // The files a checkpoint writes through the seam: module, optimizer, RNG state, JSON, trainer_state.json; then,
        // once the folder is published, the latest pointer (tested last, below).
        IReadOnlyList<string> written;
        using (var counting = FullDisk.Never())
        {
            using var other = new TempDirectory();
            new CheckpointStore(other.Path).Save(new TrainerState { Step = 20 }, w => WriteAll(w, model, optimizer));
            written = counting.Opened;
        }

        Assert.Equal(
            [CheckpointFiles.Module("policy"), CheckpointFiles.Optimizer("policy"), CheckpointFiles.RngState, "extra.json", CheckpointFiles.TrainerState, CheckpointFiles.LatestPointer],
            written.Select(Path.GetFileName));

        string final = Path.Combine(Path.GetFullPath(dir.Path), "step-00000020");
        for (int file = 0; file < written.Count - 1; file++)
        {
            foreach (var step in new long[] { 20, 10 }) // a new step, and the same step again (a repeated step on resume)
            {
                using (var disk = FullDisk.AtFile(file, bytesBeforeFailure: 16))
                {
                    var ex = Assert.Throws<IOException>(() => store.Save(new TrainerState { Step = step, Epoch = 2 }, w => WriteAll(w, model, optimizer)));
                    Assert.NotNull(disk.Failed);
                    Assert.Contains(FullDisk.Message, ex.Message, StringComparison.Ordinal);
                    Assert.Contains($"'{(step == 20 ? final : first)}'", ex.Message, StringComparison.Ordinal);
                    Assert.Equal(FullDisk.Message, ex.InnerException?.Message);
                }

                Assert.Equal(first, store.LatestPath);
                Assert.Equal([first], store.List());
                Assert.False(Directory.Exists(final), $"{final} was published when writing {Path.GetFileName(written[file])} failed");
                Assert.Empty(Directory.GetDirectories(dir.Path, ".*")); // no staging or replaced folder left
                Assert.Equal("step-00000010", File.ReadAllText(Path.Combine(dir.Path, CheckpointFiles.LatestPointer)).Trim());
            }
        }

        var reader = store.OpenLatest()!;
        Assert.Equal(1, reader.State.Epoch);
        AssertLoads(reader, good);

        // The pointer fails after step 20 is published: step 20 is complete, the pointer keeps naming step 10 (it is
        // written atomically), and the error says both.
        using (FullDisk.AtPath(p => Path.GetFileName(p) == CheckpointFiles.LatestPointer, bytesBeforeFailure: 4))
        {
            var ex = Assert.Throws<IOException>(() => store.Save(new TrainerState { Step = 20, Epoch = 2 }, w => WriteAll(w, model, optimizer)));
            Assert.Contains($"'{final}' was written", ex.Message, StringComparison.Ordinal);
            Assert.Contains(Path.Combine(Path.GetFullPath(dir.Path), CheckpointFiles.LatestPointer), ex.Message, StringComparison.Ordinal);
        }

        Assert.Equal("step-00000010", File.ReadAllText(Path.Combine(dir.Path, CheckpointFiles.LatestPointer)).Trim());
        Assert.Equal(first, store.LatestPath);
        Assert.Equal([first, final], store.List());
        Assert.Empty(Directory.GetFiles(dir.Path, ".*")); // no temporary pointer left
        Assert.Equal(2, new CheckpointReader(final).State.Epoch);
        AssertLoads(store.OpenLatest()!, good);
    }

    private static void AssertLoads(CheckpointReader reader, Dictionary<string, Tensor> good)
    {
        using var fresh = NewModel(3);
        reader.LoadModule("policy", fresh);
        foreach (var (name, tensor) in fresh.state_dict())
        {
            Assert.True(tensor.eq(good[name]).all().item<bool>(), $"'{name}' of the previous checkpoint changed");
        }

        reader.LoadOptimizer("policy", optim.AdamW(fresh.parameters(), 1e-2));
        Assert.True(reader.RestoreRngState());
    }

    [Fact]
    public async Task A_full_disk_while_Bradley_Terry_training_checkpoints_stops_it_and_the_run_resumes_from_the_last_good_checkpoint()
    {
        using var dir = new TempDirectory();
        var data = RewardFixture.SmallPets(24, 8, seed: 3);
        BradleyTerryOptions Options() => new()
        {
            Epochs = 1, BatchSize = 4, LearningRate = 3e-3, Seed = 11, CheckpointDirectory = dir.Path, CheckpointEvery = 2,
            Lora = new LoraSettings { Rank = 2, Alpha = 4, Dropout = 0.1 },
        };
        BradleyTerryTrainer Trainer() => new(Options(), () => RewardFixture.TinyModel(seed: 21));

        // The trainable weights of the step-4 checkpoint: half of them fit, then the disk is full.
        string failing = Path.Combine(Path.GetFullPath(dir.Path), "step-00000004");
        using (var disk = FullDisk.AtPath(p => p.Contains("step-00000004", StringComparison.Ordinal) && p.EndsWith(".safetensors", StringComparison.Ordinal), bytesBeforeFailure: 200))
        {
            var ex = await Assert.ThrowsAsync<IOException>(() => Trainer().TrainModelAsync(data.Train));
            Assert.NotNull(disk.Failed);
            Assert.Contains($"'{failing}'", ex.Message, StringComparison.Ordinal);
            Assert.Contains(FullDisk.Message, ex.Message, StringComparison.Ordinal);
        }

        var store = new CheckpointStore(dir.Path);
        Assert.Equal(Path.Combine(Path.GetFullPath(dir.Path), "step-00000002"), store.LatestPath);
        Assert.False(Directory.Exists(failing));
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*"));

        // With room on the disk again the run resumes at step 3 and finishes.
        var steps = new List<int>();
        using var resumed = await Trainer().TrainModelAsync(data.Train, null, new SyncSteps(steps));
        Assert.Equal(3, steps[0]);
        Assert.Equal(6, steps[^1]);
        Assert.Equal(Path.Combine(Path.GetFullPath(dir.Path), "step-00000006"), store.LatestPath);
    }

    private sealed class SyncSteps(List<int> steps) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Message is null) steps.Add(value.Step);
        }
    }
}
