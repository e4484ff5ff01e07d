using Plus.Torch.Lora;
using Plus.Torch.Reward;
using Plus.Torch.Tests.Training;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Reward;

public class BradleyTerryStepTests
{
    private static List<ConditionedPair> Pairs(int n, ConditioningKind kind = ConditioningKind.Oracle) =>
        [.. RewardFixture.SmallPets(n, 0).Train.Select(e => new ConditionedPair(e.Target, Plus.Inference.PreferenceConditioning.For(e, kind)))];

    [Fact]
    public void Gradient_accumulation_over_micro_batches_gives_the_full_batch_update()
    {
        var pairs = Pairs(6);
        using var a = RewardFixture.TinyModel(seed: 3);
        using var b = RewardFixture.TinyModel(seed: 3);
        // With ε = 1 and lr = 1, Adam's first update is g / (|g| + 1) ≈ g: the weights compare the gradients themselves.
        var schedule = new LearningRateSchedule(1, 10, warmupFraction: 0);
        var adam = new AdamWSettings { Epsilon = 1 };
        using var whole = new BradleyTerryStep(a, adam, schedule, maxGradNorm: 1e6);
        using var micro = new BradleyTerryStep(b, adam, schedule, maxGradNorm: 1e6, microBatchSize: 4);

        var ra = whole.Step(pairs);
        var rb = micro.Step(pairs);

        Assert.Equal(ra.Loss, rb.Loss, 5);
        Assert.Equal(ra.GradientNorm, rb.GradientNorm, 4);
        Assert.Equal(ra.Accuracy, rb.Accuracy);
        var pa = a.Model.parameters().ToList();
        var pb = b.Model.parameters().ToList();
        for (int i = 0; i < pa.Count; i++)
        {
            Assert.True(pa[i].allclose(pb[i], rtol: 0, atol: 1e-6), $"parameter {i} differs by {(pa[i] - pb[i]).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void Repeated_steps_on_one_batch_drive_the_loss_down_and_report_the_schedule()
    {
        var pairs = Pairs(8);
        using var model = RewardFixture.TinyModel(seed: 5);
        var schedule = new LearningRateSchedule(3e-3, 20, warmupFraction: 0.1);
        using var step = new BradleyTerryStep(model, new AdamWSettings(), schedule);
        var results = Enumerable.Range(0, 20).Select(_ => step.Step(pairs)).ToList();

        Assert.Equal(0.0, results[0].LearningRate);
        Assert.Equal(schedule.At(5), results[5].LearningRate, 12);
        Assert.Equal(20, step.StepsTaken);
        Assert.Equal(Enumerable.Range(1, 20), results.Select(r => r.Step));
        Assert.True(results[^1].Loss < results[1].Loss * 0.5, $"loss {results[1].Loss} -> {results[^1].Loss}");
        Assert.Equal(1.0, results[^1].Accuracy);
        Assert.True(results[^1].Margin > 0);
        Assert.Contains("grad_norm", results[^1].ToMetrics().Keys);
    }

    [Fact]
    public void Label_smoothing_is_the_loss_of_a_soft_label_and_stops_pulling_a_pair_apart_at_its_margin()
    {
        using var chosen = tensor(new float[] { 2f, -1f, 0.5f });
        using var rejected = tensor(new float[] { -1f, 1f, 0.5f });
        double Softplus(double x) => Math.Log(1 + Math.Exp(x));
        double[] d = [3, -2, 0];
        using var plain = ConditionedRewardModel.BradleyTerryLoss(chosen, rejected);
        using var smooth = ConditionedRewardModel.BradleyTerryLoss(chosen, rejected, 0.1);
        Assert.Equal(d.Average(m => Softplus(-m)), plain.item<float>(), 5);
        Assert.Equal(d.Average(m => 0.9 * Softplus(-m) + 0.1 * Softplus(m)), smooth.item<float>(), 5);

        // The smoothed loss of one pair is smallest at the margin log(0.9 / 0.1): its gradient there is zero, and it
        // pushes a larger margin back, where the plain loss keeps pulling the pair apart.
        double optimum = Math.Log(0.9 / 0.1);
        foreach (var (margin, sign) in new[] { (optimum, 0), (optimum + 2, 1), (optimum - 2, -1) })
        {
            using var c = tensor(new float[] { (float)margin }, requires_grad: true);
            using var r = tensor(new float[] { 0f });
            using var loss = ConditionedRewardModel.BradleyTerryLoss(c, r, 0.1);
            loss.backward();
            float g = c.grad!.item<float>();
            if (sign == 0) Assert.InRange(g, -1e-5f, 1e-5f);
            else Assert.Equal(sign, Math.Sign(g));
        }

        Assert.Throws<ArgumentOutOfRangeException>(() => ConditionedRewardModel.BradleyTerryLoss(chosen, rejected, 0.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => ConditionedRewardModel.BradleyTerryLoss(chosen, rejected, -0.1));
        using var model = RewardFixture.TinyModel(seed: 5);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-3, 1)) { LabelSmoothing = 0.7 });
    }

    [Fact]
    public void A_step_with_label_smoothing_trains_on_the_smoothed_loss()
    {
        var pairs = Pairs(8);
        using var a = RewardFixture.TinyModel(seed: 5);
        using var step = new BradleyTerryStep(a, new AdamWSettings(), new LearningRateSchedule(3e-3, 20)) { LabelSmoothing = 0.2 };
        float expected;
        using (no_grad())
        {
            using var scope = NewDisposeScope();
            expected = a.PairLoss(pairs, 0.2).Loss.item<float>();
        }

        var result = step.Step(pairs);
        Assert.Equal(expected, result.Loss, 4);
        Assert.Equal(0.2, step.LabelSmoothing);
    }

    [Fact]
    public void A_nan_loss_throws_before_any_weight_changes()
    {
        var pairs = Pairs(4);
        using var model = RewardFixture.TinyModel(seed: 5);
        using var step = new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-2, 10, 0)) { LastGoodCheckpoint = "/ckpt/step-00000003" };
        using (no_grad()) model.Model.ScoreWeight.fill_(double.NaN);
        var before = model.Model.Backbone.parameters().Select(p => p.detach().clone()).ToList();

        var ex = Assert.Throws<NonFiniteLossException>(() => step.Step(pairs));

        Assert.Equal("bt_loss", ex.Quantity);
        Assert.Equal("/ckpt/step-00000003", ex.LastGoodCheckpoint);
        Assert.Contains("bt-train", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, step.StepsTaken);
        var after = model.Model.Backbone.parameters().ToList();
        for (int i = 0; i < before.Count; i++) Assert.True(after[i].allclose(before[i], 0, 0));
    }

    [Fact]
    public void Lora_training_changes_only_the_adapter_and_the_head()
    {
        var pairs = Pairs(4);
        using var model = RewardFixture.TinyModel(seed: 5);
        model.Model.EnableLora(new LoraSettings { Rank = 2, Alpha = 4 }, seed: 1);
        var frozen = model.Model.named_parameters().Where(p => !p.parameter.requires_grad).ToDictionary(p => p.name, p => p.parameter.detach().clone());
        var head = model.Model.ScoreWeight.detach().clone();
        using var step = new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-2, 10, 0));
        step.Step(pairs);
        step.Step(pairs);

        Assert.NotEmpty(frozen);
        foreach (var (name, p) in model.Model.named_parameters())
        {
            if (frozen.TryGetValue(name, out var old)) Assert.True(p.allclose(old, 0, 0), $"{name} moved");
        }

        Assert.False(model.Model.ScoreWeight.allclose(head, 0, 0), "the head must train (modules_to_save)");
        Assert.Contains(model.Model.Lora!.Layers, l => l.Value.LoraB.abs().max().item<float>() > 0);
    }

    [Fact]
    public void Save_and_load_continue_exactly_where_the_step_left_off()
    {
        var pairs = Pairs(6);
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        var schedule = new LearningRateSchedule(5e-3, 10, 0.1);
        using var a = RewardFixture.TinyModel(seed: 9);
        using var stepA = new BradleyTerryStep(a, new AdamWSettings(), schedule);
        stepA.Step(pairs);
        stepA.Step(pairs);
        store.Save(new TrainerState { Step = stepA.StepsTaken }, w => stepA.Save(w));
        var next = stepA.Step(pairs);

        using var b = RewardFixture.TinyModel(seed: 1234);
        using var stepB = new BradleyTerryStep(b, new AdamWSettings(), schedule);
        var reader = store.OpenLatest()!;
        stepB.Load(reader);
        stepB.StepsTaken = (int)reader.State.Step;
        var resumed = stepB.Step(pairs);

        Assert.Equal(next.Loss, resumed.Loss, 6);
        Assert.Equal(next.LearningRate, resumed.LearningRate);
        var pa = a.Model.parameters().ToList();
        var pb = b.Model.parameters().ToList();
        for (int i = 0; i < pa.Count; i++) Assert.True(pa[i].allclose(pb[i], 0, 0), $"parameter {i} differs after resume");
    }

    [Fact]
    public void Loading_into_a_differently_configured_model_names_the_parameter()
    {
        using var dir = new TempDirectory();
        var store = new CheckpointStore(dir.Path);
        using var full = RewardFixture.TinyModel(seed: 9);
        using var fullStep = new BradleyTerryStep(full, new AdamWSettings(), new LearningRateSchedule(1e-3, 5));
        store.Save(new TrainerState { Step = 0 }, w => fullStep.Save(w));

        using var lora = RewardFixture.TinyModel(seed: 9);
        lora.Model.EnableLora(new LoraSettings { Rank = 2 });
        using var loraStep = new BradleyTerryStep(lora, new AdamWSettings(), new LearningRateSchedule(1e-3, 5));
        var ex = Assert.Throws<InvalidDataException>(() => loraStep.Load(store.OpenLatest()!));
        Assert.Contains("lora_A", ex.Message, StringComparison.Ordinal);
    }
}
