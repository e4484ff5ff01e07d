using Plus.Baselines.Dpl;
using Plus.Baselines.Tests.Fixtures;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Dpl;

public class DplStepTests
{
    private static double EvalLoss(DplRewardModel model, IReadOnlyList<Plus.Torch.Reward.ConditionedPair> pairs)
    {
        model.Base.Model.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        return model.PairLoss(pairs).Loss.item<float>();
    }

    [Theory]
    [InlineData(DplVariant.MeanVariance)]
    [InlineData(DplVariant.Categorical)]
    public void A_short_training_run_lowers_the_loss_on_its_batch(DplVariant variant)
    {
        using var model = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions { Variant = variant }, headSeed: 5);
        var batch = TinyModels.Unconditioned(TinyModels.SmallPets(16).Train.Take(8));
        double before = EvalLoss(model, batch);
        using var step = new DplStep(model, new AdamWSettings(), new LearningRateSchedule(3e-3, 20, warmupFraction: 0));
        DplStepResult? last = null;
        for (int i = 0; i < 20; i++) last = step.Step(batch);
        double after = EvalLoss(model, batch);

        Assert.Equal(20, step.StepsTaken);
        Assert.Equal(20, last!.Step);
        Assert.True(after < before - 0.05, $"loss {before:F4} → {after:F4}");
        var metrics = last.ToMetrics();
        Assert.All(new[] { "loss", "accuracy", "probability", "grad_norm", "lr" }, k => Assert.True(double.IsFinite(metrics[k]), k));
        Assert.InRange(last.Accuracy, 0, 1);
    }

    [Fact]
    public void Micro_batches_give_the_gradient_of_the_whole_batch_for_mean_variance()
    {
        var batch = TinyModels.Unconditioned(TinyModels.SmallPets(8).Train.Take(4));
        using var a = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions(), headSeed: 5);
        using var b = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions(), headSeed: 5);
        var schedule = new LearningRateSchedule(1e-3, 10, warmupFraction: 0);
        using var whole = new DplStep(a, new AdamWSettings(), schedule);
        using var split = new DplStep(b, new AdamWSettings(), schedule, microBatchSize: 1);
        var r1 = whole.Step(batch);
        var r2 = split.Step(batch);
        Assert.Equal(r1.Loss, r2.Loss, 4);
        Assert.Equal(r1.GradientNorm, r2.GradientNorm, 3);
    }

    [Theory]
    [InlineData(DplVariant.MeanVariance)]
    [InlineData(DplVariant.Categorical)]
    public void Save_then_load_restores_identical_scores(DplVariant variant)
    {
        var options = new DplOptions { Variant = variant };
        var batch = TinyModels.Unconditioned(TinyModels.SmallPets(8).Train.Take(4));
        var queries = batch.Select(p => p.ChosenQuery).Concat(batch.Select(p => p.RejectedQuery)).ToArray();
        using var dir = new TinyModels.TempDir();
        var schedule = new LearningRateSchedule(1e-3, 10, warmupFraction: 0);

        using var trained = new DplRewardModel(TinyModels.BaseRewardModel(), options, headSeed: 5);
        using var step = new DplStep(trained, new AdamWSettings(), schedule);
        step.Step(batch);
        step.Step(batch);
        var reader = TinyModels.SaveCheckpoint(dir.Path, w => step.Save(w));
        Assert.True(reader.Contains("dpl.trainable.safetensors"));
        Assert.True(reader.Contains("dpl.optimizer.bin"));

        using var fresh = new DplRewardModel(TinyModels.BaseRewardModel(headSeed: 9), options, headSeed: 77);
        using var freshStep = new DplStep(fresh, new AdamWSettings(), schedule);
        Assert.NotEqual(trained.Score(queries), fresh.Score(queries));
        freshStep.Load(reader);

        using var scope = NewDisposeScope();
        var expected = trained.ScoreRaw(queries).data<float>().ToArray();
        var actual = fresh.ScoreRaw(queries).data<float>().ToArray();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Loading_a_checkpoint_of_the_other_variant_names_the_mis_shaped_head()
    {
        var batch = TinyModels.Unconditioned(TinyModels.SmallPets(8).Train.Take(2));
        using var dir = new TinyModels.TempDir();
        var schedule = new LearningRateSchedule(1e-3, 10, warmupFraction: 0);
        using var mv = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions(), headSeed: 5);
        using var mvStep = new DplStep(mv, new AdamWSettings(), schedule);
        mvStep.Step(batch);
        var reader = TinyModels.SaveCheckpoint(dir.Path, w => mvStep.Save(w));

        using var cat = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions { Variant = DplVariant.Categorical }, headSeed: 5);
        using var catStep = new DplStep(cat, new AdamWSettings(), schedule);
        var ex = Assert.Throws<InvalidDataException>(() => catStep.Load(reader));
        Assert.Contains("'score.weight'", ex.Message);
        Assert.Contains("[2, 32]", ex.Message);
        Assert.Contains("[10, 32]", ex.Message);
    }
}
