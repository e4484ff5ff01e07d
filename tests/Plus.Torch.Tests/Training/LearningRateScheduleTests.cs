using Plus.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

public class LearningRateScheduleTests
{
    [Fact]
    public void Warms_up_linearly_then_decays_by_cosine_to_the_floor()
    {
        var s = new LearningRateSchedule(1e-3, totalSteps: 200); // W = ⌈0.03·200⌉ = 6
        Assert.Equal(6, s.WarmupSteps);
        Assert.Equal(0.0, s.At(0));
        Assert.Equal(1e-3 / 6, s.At(1), 1e-15);
        Assert.Equal(1e-3 * 5 / 6, s.At(5), 1e-15);
        Assert.Equal(1e-3, s.At(6), 1e-15);
        // halfway through the decay (p = 97/194 = 0.5): ρ + (1 − ρ)·½ = 0.55
        Assert.Equal(0.55e-3, s.At(6 + 97), 1e-15);
        Assert.Equal(1e-4, s.At(200), 1e-15);
        Assert.Equal(1e-4, s.At(10_000), 1e-15);
        for (int step = 6; step < 200; step++)
        {
            Assert.True(s.At(step + 1) <= s.At(step), $"The rate rose from step {step} to {step + 1}.");
        }
    }

    [Fact]
    public void Without_warm_up_the_first_step_uses_the_peak()
    {
        var s = new LearningRateSchedule(2.0, 10, warmupFraction: 0, minLearningRateRatio: 0);
        Assert.Equal(2.0, s.At(0));
        Assert.Equal(0.0, s.At(10), 1e-15);
    }

    [Fact]
    public void Apply_sets_every_parameter_group()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("fc", nn.Linear(3, 3)), ("norm", nn.LayerNorm(3)));
        using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { LearningRate = 1, WeightDecay = 0.1 });
        var s = new LearningRateSchedule(0.5, 100, warmupFraction: 0.1);
        double lr = s.Apply(optimizer, 5);
        Assert.Equal(0.25, lr, 1e-15);
        Assert.Equal(2, optimizer.ParamGroups.Count());
        Assert.All(optimizer.ParamGroups, g => Assert.Equal(0.25, g.LearningRate, 1e-15));
    }

    [Fact]
    public void Invalid_arguments_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1, 10, warmupFraction: 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1, 10, minLearningRateRatio: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => new LearningRateSchedule(1, 10).At(-1));
    }
}
