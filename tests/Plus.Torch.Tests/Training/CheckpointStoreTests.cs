using System.Text.Json.Nodes;
using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

[Collection(TorchGlobalRngCollection.Name)]
public class CheckpointStoreTests
{
    private static Sequential NewModel(long seed)
    {
        manual_seed(seed);
        return nn.Sequential(("fc1", nn.Linear(4, 8)), ("act", nn.Tanh()), ("fc2", nn.Linear(8, 1)));
    }

    private static Dictionary<string, Tensor> Snapshot(nn.Module m) =>
        m.state_dict().ToDictionary(kv => kv.Key, kv => kv.Value.detach().clone());

    private static void AssertSameTensors(Dictionary<string, Tensor> expected, nn.Module actual)
    {
        var got = actual.state_dict();
        Assert.Equal(expected.Keys.Order(), got.Keys.Order());
        foreach (var (name, t) in expected)
        {
            Assert.True(t.eq(got[name]).all().item<bool>(), $"Tensor '{name}' differs after loading.");
        }
    }

    [Fact]
    public void Save_then_load_gives_equal_tensors_and_trainer_state()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using var model = NewModel(1);
        var state = new TrainerState
        {
            Step = 42, Epoch = 2, Seed = 7, BestMetric = 0.93, BestMetricName = "eval_accuracy",
            Values = new Dictionary<string, double> { ["kl_coef"] = 0.01 },
            Options = new JsonObject { ["lr"] = 9e-6, ["name"] = "pets" },
        };
        string path = store.Save(state, w => w.SaveModule("critic", model));

        Assert.Equal(dir.Combine("step-00000042"), path);
        Assert.Equal(path, store.LatestPath);
        Assert.Equal("step-00000042", File.ReadAllText(dir.Combine("latest")).Trim());
        Assert.Contains("\"best_metric\": 0.93", File.ReadAllText(Path.Combine(path, "trainer_state.json")));

        using var fresh = NewModel(2);
        var reader = store.OpenLatest()!;
        reader.LoadModule("critic", fresh);
        AssertSameTensors(Snapshot(model), fresh);
        Assert.Equal(42, reader.State.Step);
        Assert.Equal(2, reader.State.Epoch);
        Assert.Equal(7, reader.State.Seed);
        Assert.Equal(0.93, reader.State.BestMetric);
        Assert.Equal("eval_accuracy", reader.State.BestMetricName);
        Assert.Equal(0.01, reader.State.Values["kl_coef"]);
        Assert.Equal("pets", (string?)reader.State.Options!["name"]);
    }

    [Fact]
    public void A_save_that_crashes_midway_keeps_the_previous_checkpoint_and_leaves_nothing_partial()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using var model = NewModel(1);
        var good = Snapshot(model);
        string first = store.Save(new TrainerState { Step = 10 }, w => w.SaveModule("policy", model));

        using (no_grad())
        {
            foreach (var p in model.parameters()) p.add_(1.0);
        }

        Assert.Throws<IOException>(() => store.Save(new TrainerState { Step = 20 }, w =>
        {
            w.SaveModule("policy", model);
            throw new IOException("process killed while writing the optimizer (simulated)");
        }));

        Assert.Equal(first, store.LatestPath);
        Assert.Equal([first], store.List());
        Assert.False(Directory.Exists(dir.Combine("step-00000020")));
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*"));

        using var fresh = NewModel(3);
        store.OpenLatest()!.LoadModule("policy", fresh);
        AssertSameTensors(good, fresh);
    }

    [Fact]
    public void A_failing_save_of_a_step_that_exists_keeps_the_existing_checkpoint_of_that_step()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using var model = NewModel(1);
        var good = Snapshot(model);
        string first = store.Save(new TrainerState { Step = 10, Epoch = 1 }, w => w.SaveModule("policy", model));

        using (no_grad())
        {
            foreach (var p in model.parameters()) p.mul_(-2.0);
        }

        // The same step again (as a resume that repeats a step would), failing after the weights are written.
        var ex = Assert.Throws<IOException>(() => store.Save(new TrainerState { Step = 10, Epoch = 2 }, w =>
        {
            w.SaveModule("policy", model);
            throw new IOException("No space left on device (simulated)");
        }));

        Assert.Contains("No space left on device", ex.Message, StringComparison.Ordinal);
        Assert.Equal(first, store.LatestPath);
        var reader = store.OpenLatest()!;
        Assert.Equal(1, reader.State.Epoch);
        using var fresh = NewModel(3);
        reader.LoadModule("policy", fresh);
        AssertSameTensors(good, fresh);
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*"));
    }

    [Fact]
    public void Leftovers_of_a_killed_process_are_invisible_and_removed_on_open()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        string first = store.Save(new TrainerState { Step = 1 });
        string staging = dir.Combine(".staging-step-00000002-0123456789abcdef0123456789abcdef");
        Directory.CreateDirectory(staging);
        File.WriteAllText(Path.Combine(staging, "trainer_state.json"), "{\"step\": 2}");
        File.WriteAllText(dir.Combine(".latest.deadbeef.tmp"), "step-00000002");

        Assert.Equal(first, store.LatestPath);
        var reopened = new CheckpointStore(dir.Path);
        Assert.False(Directory.Exists(staging));
        Assert.False(File.Exists(dir.Combine(".latest.deadbeef.tmp")));
        Assert.Equal(first, reopened.LatestPath);
    }

    [Fact]
    public void A_directory_without_trainer_state_is_incomplete_and_the_pointer_falls_back()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        store.Save(new TrainerState { Step = 1 });
        string second = store.Save(new TrainerState { Step = 2 });
        Directory.CreateDirectory(dir.Combine("step-00000003")); // no trainer_state.json
        File.WriteAllText(dir.Combine("latest"), "step-00000003\n");
        Assert.Equal(second, store.LatestPath);
        File.Delete(dir.Combine("latest"));
        Assert.Equal(second, store.LatestPath);
        Assert.Throws<FileNotFoundException>(() => new CheckpointReader(dir.Combine("step-00000003")));
    }

    [Fact]
    public void Keeps_only_the_last_n_checkpoints_and_can_replace_a_step()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path, keepLast: 2);
        for (int step = 1; step <= 4; step++) store.Save(new TrainerState { Step = step * 10 });
        Assert.Equal([dir.Combine("step-00000030"), dir.Combine("step-00000040")], store.List());

        store.Save(new TrainerState { Step = 40, Epoch = 9 });
        Assert.Equal(9, store.OpenLatest()!.State.Epoch);
        Assert.Equal(2, store.List().Count);
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*"));
    }

    [Fact]
    public void Resuming_from_model_optimizer_and_rng_state_reproduces_the_uninterrupted_run()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);

        static void Train(Sequential model, AdamW optimizer, int steps)
        {
            for (int i = 0; i < steps; i++)
            {
                using var stepScope = NewDisposeScope();
                var x = randn(16, 4); // global generator: covered by rng_state.bin
                var y = x.sum(1, keepdim: true).sin();
                optimizer.zero_grad();
                nn.functional.mse_loss(model.call(x), y).backward();
                optimizer.step();
            }
        }

        using var model = NewModel(5);
        using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { LearningRate = 0.05 });
        Train(model, optimizer, 3);
        store.Save(new TrainerState { Step = 3 }, w =>
        {
            w.SaveModule("model", model);
            w.SaveOptimizer("model", optimizer);
            w.SaveRngState();
        });
        Train(model, optimizer, 2);
        var uninterrupted = Snapshot(model);

        manual_seed(999); // a restarted process has some other generator state
        using var resumed = NewModel(6);
        using var resumedOptimizer = OptimizerFactory.CreateAdamW(resumed, new AdamWSettings { LearningRate = 0.05 });
        var reader = store.OpenLatest()!;
        reader.LoadModule("model", resumed);
        reader.LoadOptimizer("model", resumedOptimizer);
        Assert.True(reader.RestoreRngState());
        Train(resumed, resumedOptimizer, 2);

        AssertSameTensors(uninterrupted, resumed);
    }

    [Fact]
    public void Loading_into_the_wrong_module_names_the_file()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using var model = NewModel(1);
        store.Save(new TrainerState { Step = 1 }, w => w.SaveModule("critic", model));
        using var other = nn.Linear(3, 3);
        var reader = store.OpenLatest()!;
        var ex = Assert.Throws<InvalidDataException>(() => reader.LoadModule("critic", other));
        Assert.Contains("critic.module.bin", ex.Message);
        var missing = Assert.Throws<FileNotFoundException>(() => reader.LoadModule("policy", model));
        Assert.Contains("policy.module.bin", missing.Message);
    }

    [Fact]
    public void Corrupt_trainer_state_is_reported_with_its_file()
    {
        using var dir = new TempDirectory();
        string ckpt = dir.Combine("step-00000001");
        Directory.CreateDirectory(ckpt);
        File.WriteAllText(Path.Combine(ckpt, "trainer_state.json"), "{ \"step\": ");
        var ex = Assert.Throws<InvalidDataException>(() => new CheckpointReader(ckpt));
        Assert.Contains("trainer_state.json", ex.Message);
    }

    [Fact]
    public void A_crash_while_replacing_a_step_restores_the_old_checkpoint_on_open()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        string path = store.Save(new TrainerState { Step = 5, Epoch = 1 });
        // The old directory was moved aside and the process died before the new one moved in.
        Directory.Move(path, dir.Combine(".replaced-step-00000005-0123456789abcdef0123456789abcdef"));
        var reopened = new CheckpointStore(dir.Path);
        Assert.Equal(path, reopened.LatestPath);
        Assert.Equal(1, reopened.OpenLatest()!.State.Epoch);
        Assert.Empty(Directory.GetDirectories(dir.Path, ".*"));
    }

    [Fact]
    public void An_empty_store_has_no_latest_checkpoint()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Combine("new"));
        Assert.Null(store.LatestPath);
        Assert.Null(store.OpenLatest());
    }
}
