using Plus.Baselines.Dpl;
using Plus.Baselines.Persistence;
using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Trainers;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Baselines.Tests.Trainers;

/// <summary>DPL and VPL trained through the shared loop on the tiny backbone, saved and reopened in the common layout.</summary>
public class DplVplTrainerTests
{
    private static DplTrainer Dpl(DplVariant variant, string? checkpoints = null) => BaselineTrainers.Dpl(
        () => TinyModels.BaseRewardModel(),
        o =>
        {
            o.Head = new DplOptions { Variant = variant };
            o.Training.Epochs = 1;
            o.Training.BatchSize = 8;
            o.Training.LearningRate = 1e-3;
            o.Training.Seed = 3;
            o.Training.CheckpointDirectory = checkpoints;
        });

    private static VplTrainer Vpl() => BaselineTrainers.Vpl(
        () => TinyModels.BaseRewardModel(),
        o =>
        {
            o.Vpl = new Plus.Baselines.Vpl.VplOptions { LatentSize = 8, HiddenSize = 16, Seed = 1 };
            o.Training.Epochs = 1;
            o.Training.BatchSize = 8;
            o.Training.LearningRate = 1e-3;
            o.Training.Seed = 3;
        });

    [Theory]
    [InlineData(DplVariant.MeanVariance, DplTrainedModel.MeanVarianceFormat)]
    [InlineData(DplVariant.Categorical, DplTrainedModel.CategoricalFormat)]
    public async Task A_DPL_model_trains_saves_and_reopens_with_the_same_probabilities_and_uncertainty(DplVariant variant, string format)
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(16);
        var trainer = Dpl(variant);
        Assert.Equal(PreferenceMethods.Dpl, trainer.Name);
        using var model = await trainer.TrainModelAsync(data.Train, data.Train);
        Assert.Equal(2, model.Metadata.Steps);
        Assert.True(model.Metadata.FinalMetrics.ContainsKey("eval_accuracy"));
        var before = await model.PredictWithUncertaintyAsync(data.Train);
        Assert.All(before, p => Assert.InRange(p.ChosenProbability, 0, 1));
        if (variant == DplVariant.Categorical) Assert.All(before, p => Assert.Equal(10, p.Chosen.AtomProbabilities!.Count));
        else Assert.All(before, p => Assert.True(p.Chosen.Sigma > 0));

        string saved = Path.Combine(dir.Path, "dpl");
        await model.SaveAsync(saved);
        Assert.True(File.Exists(Path.Combine(saved, TrainedModel.RewardModelFolder, DplTrainedModel.HeadFileName)));
        Assert.Contains($"\"format\": \"{format}\"", await File.ReadAllTextAsync(Path.Combine(saved, TrainedModelManifest.FileName)), StringComparison.Ordinal);

        using var loaded = Assert.IsType<DplTrainedModel>(TrainedModels.Load(saved));
        Assert.Equal(variant, loaded.RewardModel.Options.Variant);
        var after = await loaded.PredictWithUncertaintyAsync(data.Train);
        for (int i = 0; i < before.Count; i++)
        {
            Assert.True(Math.Abs(before[i].ChosenProbability - after[i].ChosenProbability) <= 1e-6, $"example {i}: {before[i].ChosenProbability} vs {after[i].ChosenProbability}");
            Assert.True(Math.Abs(before[i].Chosen.Sigma - after[i].Chosen.Sigma) <= 1e-6, $"example {i}: σ differs");
        }

        var probabilities = await loaded.PredictChosenProbabilitiesAsync(data.Train);
        Assert.Equal(after.Select(p => p.ChosenProbability), probabilities);
        var t = data.Train[0].Target;
        var prediction = await loaded.Predictor.PredictAsync(data.Train[0].Context, t.Prompt, t.Chosen, t.Rejected);
        Assert.True(Math.Abs(prediction.ProbabilityFirst - after[0].ChosenProbability) <= 1e-6);
    }

    [Fact]
    public async Task A_VPL_model_trains_saves_and_reopens_with_the_same_probabilities()
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(16);
        using var model = await Vpl().TrainModelAsync(data.Train, data.Train);
        Assert.Equal(PreferenceMethods.Vpl, model.Name);
        Assert.Equal(ConditioningKind.Context, model.Conditioning);
        Assert.Equal(2, model.Metadata.Steps);
        var before = await model.PredictChosenProbabilitiesAsync(data.Train);

        string saved = Path.Combine(dir.Path, "vpl");
        await model.SaveAsync(saved);
        using var loaded = Assert.IsType<VplTrainedModel>(TrainedModels.Load(saved));
        Assert.Equal(8, loaded.RewardModel.Network.LatentSize);
        var after = await loaded.PredictChosenProbabilitiesAsync(data.Train);
        Assert.Equal(before.Count, after.Count);
        for (int i = 0; i < before.Count; i++) Assert.True(Math.Abs(before[i] - after[i]) <= 1e-6, $"example {i}: {before[i]} vs {after[i]}");
    }

    [Fact]
    public async Task TrainedModel_Load_refuses_a_DPL_folder_and_names_the_loader_that_reads_it()
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(8);
        using var model = await Dpl(DplVariant.MeanVariance).TrainModelAsync(data.Train);
        string saved = Path.Combine(dir.Path, "dpl");
        await model.SaveAsync(saved);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(saved));
        Assert.Contains("TrainedModels.Load", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dpl-mean-variance", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_altered_DPL_head_is_refused_by_its_hash()
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(8);
        using var model = await Dpl(DplVariant.MeanVariance).TrainModelAsync(data.Train);
        string saved = Path.Combine(dir.Path, "dpl");
        await model.SaveAsync(saved);
        string head = Path.Combine(saved, TrainedModel.RewardModelFolder, DplTrainedModel.HeadFileName);
        var bytes = await File.ReadAllBytesAsync(head);
        bytes[^1] ^= 0x5A;
        await File.WriteAllBytesAsync(head, bytes);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModels.Load(saved));
        Assert.Contains(DplTrainedModel.HeadFileName, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_BTL_folder_opens_through_the_dispatching_loader_as_a_TrainedModel()
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(8);
        var trainer = BaselineTrainers.RewardModelBaseline(PreferenceMethods.Btl, () => TinyModels.BaseRewardModel(), o => { o.Epochs = 1; o.BatchSize = 8; });
        using var model = await trainer.TrainModelAsync(data.Train);
        string saved = Path.Combine(dir.Path, "btl");
        await model.SaveAsync(saved);
        using var loaded = Assert.IsType<TrainedModel>(TrainedModels.Load(saved));
        Assert.Equal(await model.PredictChosenProbabilitiesAsync(data.Train), await loaded.PredictChosenProbabilitiesAsync(data.Train));
    }

    [Fact]
    public async Task A_finished_DPL_run_resumes_from_its_checkpoint_with_the_same_weights()
    {
        using var dir = new TinyModels.TempDir();
        var data = TinyModels.SmallPets(16);
        string checkpoints = Path.Combine(dir.Path, "checkpoints");
        using var first = await Dpl(DplVariant.MeanVariance, checkpoints).TrainModelAsync(data.Train);
        var messages = new List<string>();
        using var second = await Dpl(DplVariant.MeanVariance, checkpoints).TrainModelAsync(data.Train, progress: new SyncProgress(p => { if (p.Message is not null) messages.Add(p.Message); }));
        Assert.Contains(messages, m => m.Contains("already finished", StringComparison.Ordinal));
        Assert.Equal(await first.PredictChosenProbabilitiesAsync(data.Train), await second.PredictChosenProbabilitiesAsync(data.Train));
    }

    [Fact]
    public async Task VPL_refuses_an_example_without_context_pairs_naming_it()
    {
        var data = TinyModels.SmallPets(4);
        var bad = data.Train[1] with { Context = data.Train[1].Context with { Pairs = new ValueList<PreferencePair>(Array.Empty<PreferencePair>()) } };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => Vpl().TrainModelAsync([data.Train[0], bad]));
        Assert.Contains("train[1]", ex.Message, StringComparison.Ordinal);
    }

    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
