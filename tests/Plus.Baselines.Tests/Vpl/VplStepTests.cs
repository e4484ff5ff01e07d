using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Vpl;
using Plus.Data;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Vpl;

public class VplStepTests
{
    private static VplOptions Small => new() { LatentSize = 8, HiddenSize = 16, KlWeight = 1e-4 };

    private static double EvalBtLoss(VplRewardModel model, IReadOnlyList<ConditionedPair> pairs)
    {
        var p = model.PredictChosenProbabilities(pairs);
        return p.Average(v => -Math.Log(v));
    }

    [Fact]
    public void A_short_training_run_lowers_the_loss_and_reports_the_annealed_kl_weight()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        using var model = VplRewardModelTests.NewModel(backbone, latent: 8, hidden: 16);
        var batch = TinyModels.WithContext(TinyModels.SmallPets(32).Train.Take(16));
        var before = backbone.parameters().Select(p => p.clone()).ToList();
        double lossBefore = EvalBtLoss(model, batch);
        using var step = new VplStep(model, Small, new AdamWSettings(), new LearningRateSchedule(3e-3, 40, warmupFraction: 0));
        Assert.Equal(10, step.Annealer.CycleSteps); // 40 steps, 4 cycles
        var results = new List<VplStepResult>();
        for (int i = 0; i < 40; i++) results.Add(step.Step(batch));
        double lossAfter = EvalBtLoss(model, batch);

        Assert.True(lossAfter < lossBefore - 0.05, $"BT loss {lossBefore:F4} → {lossAfter:F4}");
        Assert.Equal(0, results[0].KlWeight);                      // the first step of a cycle
        Assert.Equal(1e-4 * 0.5, results[5].KlWeight, 12);         // the middle of the first cycle
        Assert.Equal(0, results[10].KlWeight);                     // the next cycle starts again
        Assert.All(results, r => Assert.True(r.Kl >= 0 && double.IsFinite(r.GradientNorm)));
        Assert.Equal(results[5].BradleyTerryLoss + results[5].KlWeight * results[5].Kl, results[5].Loss, 5);
        Assert.All(backbone.parameters().Zip(before), t => Assert.True(t.First.eq(t.Second).all().item<bool>(), "the backbone stays frozen"));
        foreach (var t in before) t.Dispose();
    }

    [Fact]
    public void Save_then_load_restores_identical_scores()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        var batch = TinyModels.WithContext(TinyModels.SmallPets(16).Train.Take(6));
        var queries = batch.Select(p => new RewardQuery(p.Pair.Prompt, p.Pair.Chosen, p.Conditioning)).ToArray();
        var schedule = new LearningRateSchedule(1e-3, 10, warmupFraction: 0);
        using var dir = new TinyModels.TempDir();

        using var trained = VplRewardModelTests.NewModel(backbone, seed: 1);
        using var step = new VplStep(trained, Small, new AdamWSettings(), schedule);
        step.Step(batch);
        step.Step(batch);
        var reader = TinyModels.SaveCheckpoint(dir.Path, w => step.Save(w));
        Assert.True(reader.Contains("vpl.trainable.safetensors"));
        Assert.True(reader.Contains("vpl.optimizer.bin"));

        using var fresh = VplRewardModelTests.NewModel(backbone, seed: 2);
        using var freshStep = new VplStep(fresh, Small, new AdamWSettings(), schedule);
        Assert.NotEqual(trained.Score(queries), fresh.Score(queries));
        freshStep.Load(reader);
        Assert.Equal(trained.Score(queries), fresh.Score(queries));

        using var fromFile = VplNetwork.FromFile(reader.GetPath("vpl.trainable.safetensors"));
        using var third = new VplRewardModel(new VplEmbedder(backbone, TinyModels.Encoder()), fromFile, ownsNetwork: false);
        Assert.Equal(trained.Score(queries), third.Score(queries));
    }

    [Fact]
    public void Options_that_disagree_with_the_network_are_refused()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        using var model = VplRewardModelTests.NewModel(backbone, latent: 8, hidden: 16);
        var ex = Assert.Throws<ArgumentException>(() => new VplStep(model, new VplOptions(), new AdamWSettings(), new LearningRateSchedule(1e-3, 10)));
        Assert.Contains("latent 512", ex.Message);
        Assert.Contains("latent 8", ex.Message);
    }
}
