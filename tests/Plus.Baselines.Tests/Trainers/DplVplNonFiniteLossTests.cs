using Plus.Baselines.Dpl;
using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Trainers;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Trainers;

/// <summary>A NaN at a chosen step stops DPL and VPL with a <see cref="NonFiniteLossException"/> naming the step; the last good checkpoint is kept.</summary>
public class DplVplNonFiniteLossTests
{
    /// <summary>After step 4 is reported (its checkpoint written), every backbone parameter becomes NaN, so step 5's loss is NaN.</summary>
    private sealed class Poison(Func<ConditionedRewardModel?> model) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Message is not null || value.Step != 4) return;
            using var noGrad = no_grad();
            foreach (var p in model()!.Model.parameters()) p.fill_(double.NaN);
        }
    }

    private static async Task AssertStopsAtStep5<T>(Func<Func<ConditionedRewardModel>, string, IPreferenceTrainer> make, Func<IPreferenceTrainer, IProgress<TrainingProgress>, Task<T>> train)
        where T : class
    {
        using var dir = new TinyModels.TempDir();
        ConditionedRewardModel? model = null;
        var trainer = make(() => model = TinyModels.BaseRewardModel(), dir.Path);
        T? captured = null;

        var ex = await Assert.ThrowsAsync<NonFiniteLossException>(async () => captured = await train(trainer, new Poison(() => model)));

        Assert.Null(captured);
        Assert.Equal(5, ex.Step);
        string good = Path.GetFullPath(Path.Combine(dir.Path, "step-00000004"));
        Assert.Equal(good, ex.LastGoodCheckpoint);
        Assert.Contains("step 5", ex.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("step-00000004", ex.Message, StringComparison.Ordinal);
        var store = new CheckpointStore(dir.Path);
        Assert.Equal(good, store.LatestPath);
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "step-00000005")));
        Assert.False(Directory.Exists(Path.Combine(dir.Path, "step-00000006")));
    }

    [Fact]
    public async Task A_nan_in_DPL_stops_at_its_step_and_keeps_the_last_good_checkpoint()
    {
        var data = TinyModels.SmallPets(64);
        await AssertStopsAtStep5(
            (factory, checkpoints) => BaselineTrainers.Dpl(factory, o =>
            {
                o.Head = new DplOptions { Variant = DplVariant.MeanVariance };
                o.Training.BatchSize = 8;
                o.Training.LearningRate = 1e-3;
                o.Training.Seed = 3;
                o.Training.CheckpointDirectory = checkpoints;
                o.Training.CheckpointEvery = 2;
            }),
            (t, progress) => ((DplTrainer)t).TrainModelAsync(data.Train, null, progress));
    }

    [Fact]
    public async Task A_nan_in_VPL_stops_at_its_step_and_keeps_the_last_good_checkpoint()
    {
        var data = TinyModels.SmallPets(64);
        await AssertStopsAtStep5(
            (factory, checkpoints) => BaselineTrainers.Vpl(factory, o =>
            {
                o.Vpl = new Plus.Baselines.Vpl.VplOptions { LatentSize = 8, HiddenSize = 16, Seed = 1 };
                o.Training.BatchSize = 8;
                o.Training.LearningRate = 1e-3;
                o.Training.Seed = 3;
                o.Training.CheckpointDirectory = checkpoints;
                o.Training.CheckpointEvery = 2;
            }),
            (t, progress) => ((VplTrainer)t).TrainModelAsync(data.Train, null, progress));
    }
}
