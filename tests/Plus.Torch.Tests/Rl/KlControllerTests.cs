using Plus.Torch.Rl;

namespace Plus.Torch.Tests.Rl;

public class KlControllerTests
{
    [Fact]
    public void Adaptive_controller_raises_beta_above_the_target_and_lowers_it_below()
    {
        var up = new AdaptiveKlController(0.1, targetKl: 6, horizon: 10_000);
        up.Update(observedKl: 12, steps: 256); // error clipped to +0.2
        Assert.Equal(0.1 * (1 + 0.2 * 256 / 10_000.0), up.Value, 1e-15);

        var down = new AdaptiveKlController(0.1, targetKl: 6, horizon: 10_000);
        down.Update(observedKl: 5.4, steps: 100); // error −0.1
        Assert.Equal(0.1 * (1 - 0.1 * 100 / 10_000.0), down.Value, 1e-15);

        var still = new AdaptiveKlController(0.1, 6, 10_000);
        still.Update(6, 1000);
        Assert.Equal(0.1, still.Value, 1e-15);
        still.Update(double.NaN, 1000);
        Assert.Equal(0.1, still.Value, 1e-15);
    }

    [Fact]
    public void Fixed_controller_never_moves_and_both_reject_bad_coefficients()
    {
        IKlController fixedController = new FixedKlController(0.01);
        fixedController.Update(100, 1000);
        Assert.Equal(0.01, fixedController.Value);
        Assert.Throws<ArgumentOutOfRangeException>(() => new FixedKlController(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveKlController(0.1, 0, 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new AdaptiveKlController(0.1, 1, 0));
    }
}
