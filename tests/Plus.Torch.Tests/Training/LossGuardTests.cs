using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

public class LossGuardTests
{
    [Fact]
    public void A_nan_loss_stops_with_the_step_stage_and_last_good_checkpoint_named()
    {
        var ex = Assert.Throws<NonFiniteLossException>(() =>
            LossGuard.ThrowIfNotFinite(double.NaN, 17, "ppo", "/runs/a/checkpoints/step-00000010", "policy_loss"));
        Assert.Contains("step 17", ex.Message);
        Assert.Contains("'ppo'", ex.Message);
        Assert.Contains("policy_loss", ex.Message);
        Assert.Contains("/runs/a/checkpoints/step-00000010", ex.Message);
        Assert.Equal(17, ex.Step);
        Assert.Equal("/runs/a/checkpoints/step-00000010", ex.LastGoodCheckpoint);

        var none = Assert.Throws<NonFiniteLossException>(() => LossGuard.ThrowIfNotFinite(double.PositiveInfinity, 1, "bt-train", null));
        Assert.Contains("No checkpoint", none.Message);
    }

    [Fact]
    public void Finite_values_pass_through_and_tensors_are_checked_too()
    {
        using var scope = NewDisposeScope();
        Assert.Equal(0.25, LossGuard.ThrowIfNotFinite(tensor(0.25f), 1, "ppo", null));
        Assert.Throws<NonFiniteLossException>(() => LossGuard.ThrowIfNotFinite(tensor(float.NaN), 1, "ppo", null));
        Assert.Throws<ArgumentException>(() => LossGuard.ThrowIfNotFinite(zeros(2), 1, "ppo", null));
        var ex = Assert.Throws<NonFiniteLossException>(() => LossGuard.ThrowIfAnyNotFinite(
            new Dictionary<string, double> { ["reward_mean"] = 0.1, ["value_loss"] = double.NaN }, 3, "ppo", null));
        Assert.Equal("value_loss", ex.Quantity);
    }
}
