using Plus.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

public class GuardedOptimizerStepTests
{
    [Fact]
    public void A_step_sets_the_scheduled_rate_clips_updates_and_counts()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Linear(3, 1);
        var schedule = new LearningRateSchedule(0.1, 10, warmupFraction: 0.2);
        using var update = new GuardedOptimizerStep(model, new AdamWSettings(), schedule, "unit-train", maxGradNorm: 0.01) { StepsTaken = 3 };
        var before = model.weight!.detach().clone();
        double lr = update.Begin();
        Assert.Equal(schedule.At(3), lr);
        (model.call(ones(4, 3)) * 100).sum().backward();
        double norm = update.Complete(1.5, "unit_loss");
        Assert.True(norm > 0.01); // the norm before clipping
        Assert.True(model.weight!.grad!.abs().sum().item<float>() == 0); // zeroed after the step
        Assert.False(model.weight!.eq(before).all().item<bool>());
        Assert.Equal(4, update.StepsTaken);
    }

    [Fact]
    public void A_non_finite_loss_or_norm_stops_before_any_weight_changes_naming_step_stage_and_quantity()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Linear(3, 1);
        using var update = new GuardedOptimizerStep(model.parameters(), new AdamWSettings(), new LearningRateSchedule(0.1, 10, 0), "unit-train")
        {
            StepsTaken = 6,
            LastGoodCheckpoint = "/ckpt/step-00000006",
        };
        var before = model.weight!.detach().clone();
        update.Begin();
        model.call(ones(2, 3)).sum().backward();
        var loss = Assert.Throws<NonFiniteLossException>(() => update.Complete(double.NaN, "unit_loss"));
        Assert.Contains("unit_loss", loss.Message);
        Assert.Contains("unit-train", loss.Message);
        Assert.Contains("7", loss.Message);
        Assert.Contains("/ckpt/step-00000006", loss.Message);

        update.Begin();
        (model.call(ones(2, 3)) * double.PositiveInfinity).sum().backward();
        var norm = Assert.Throws<NonFiniteLossException>(() => update.Complete(0.5, "unit_loss"));
        Assert.Contains("grad_norm", norm.Message);
        Assert.True(model.weight!.eq(before).all().item<bool>());
        Assert.Equal(6, update.StepsTaken);
    }
}
