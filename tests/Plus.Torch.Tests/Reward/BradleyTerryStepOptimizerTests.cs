using Plus.Torch.Reward;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Reward;

/// <summary>
/// <see cref="BradleyTerryStep"/> on its multi-tensor AdamW against the loop it replaced (TorchSharp's per-parameter
/// AdamW, the same accumulation, clipping and schedule): the same weights bit for bit, so trained results do not move.
/// </summary>
public class BradleyTerryStepOptimizerTests
{
    [Theory]
    [InlineData(0.0, 0)]
    [InlineData(0.01, 3)]
    public void Steps_equal_the_per_parameter_AdamW_loop_bit_for_bit(double weightDecay, int microBatch)
    {
        var pairs = RewardFixture.SmallPets(6, 0).Train
            .Select(e => new ConditionedPair(e.Target, Plus.Inference.PreferenceConditioning.For(e, ConditioningKind.Oracle))).ToList();
        var settings = new AdamWSettings { WeightDecay = weightDecay };
        var schedule = new LearningRateSchedule(5e-3, 10, warmupFraction: 0.2);
        using var a = RewardFixture.TinyModel(seed: 3);
        using var b = RewardFixture.TinyModel(seed: 3);
        using var step = new BradleyTerryStep(a, settings, schedule, maxGradNorm: 0.5, microBatchSize: microBatch);

        using var reference = OptimizerFactory.CreateAdamW(b.Model, settings with { LearningRate = schedule.PeakLearningRate });
        var trainable = b.Model.TrainableParameters().Select(p => p.Parameter).ToList();
        int micro = microBatch == 0 ? pairs.Count : microBatch;
        for (int s = 0; s < 5; s++)
        {
            step.Step(pairs);

            reference.zero_grad();
            schedule.Apply(reference, s);
            for (int start = 0; start < pairs.Count; start += micro)
            {
                using var scope = NewDisposeScope();
                var slice = pairs.Skip(start).Take(micro).ToArray();
                (b.PairLoss(slice).Loss * ((double)slice.Length / pairs.Count)).backward();
            }

            GradientClipping.ClipByGlobalNorm(trainable, 0.5);
            reference.step();
        }

        using (var fresh = RewardFixture.TinyModel(seed: 3))
        using (var scope = NewDisposeScope())
        {
            // The steps changed the weights, so the comparison below can fail.
            Assert.Contains(a.Model.parameters().Zip(fresh.Model.parameters()), p => !p.First.eq(p.Second).all().item<bool>());
        }

        var pa = a.Model.named_parameters().ToList();
        var pb = b.Model.named_parameters().ToList();
        Assert.Equal(pa.Count, pb.Count);
        for (int i = 0; i < pa.Count; i++)
        {
            using var scope = NewDisposeScope();
            float delta = (pa[i].parameter - pb[i].parameter).abs().max().item<float>();
            Assert.True(delta == 0, $"Parameter '{pa[i].name}' differs by {delta:G9} (tolerance 0).");
        }
    }
}
