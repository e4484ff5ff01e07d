using Plus.Torch.Rl;
using static Plus.Torch.Tests.Rl.TensorAssert;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Rl;

public class PpoLossesTests
{
    private const double Eps = 0.2;

    // One token per case; ratio ρ and advantage A; whether the clipped branch is the minimum (gradient 0).
    public static TheoryData<double, double, bool> Cases => new()
    {
        { 1.25, +1.0, true },   // A > 0 beyond 1 + ε: clipped, no push further up
        { 1.15, +1.0, false },  // A > 0 inside: gradient
        { 0.75, +1.0, false },  // A > 0 below 1 − ε: min is ρA, still gradient (pessimistic bound)
        { 0.75, -1.0, true },   // A < 0 beyond 1 − ε: clipped, no push further down
        { 0.85, -1.0, false },  // A < 0 inside: gradient
        { 1.25, -1.0, false },  // A < 0 above 1 + ε: min is ρA, still gradient
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Policy_loss_value_and_gradient_on_each_side_of_the_clip(double ratio, double advantage, bool clipped)
    {
        using var scope = NewDisposeScope();
        var old = T(new double[,] { { -1.0 } });
        var logp = (old + Math.Log(ratio)).detach().requires_grad_();
        using var output = PpoLosses.PolicyLoss(logp, old, T(new double[,] { { advantage } }), ones(1, 1), Eps);
        output.Loss.backward();

        double expectedLoss = -Math.Min(ratio * advantage, Math.Clamp(ratio, 1 - Eps, 1 + Eps) * advantage);
        Close(expectedLoss, output.Loss, 1e-12);
        // d/dlogp of −ρA is −ρA when the unclipped branch is the minimum, else 0.
        Close(clipped ? 0.0 : -ratio * advantage, logp.grad!, 1e-12);
        Close(clipped ? 1.0 : 0.0, output.ClipFraction);
    }

    [Theory]
    [InlineData(1 + Eps, 1.0)]
    [InlineData(1 - Eps, -1.0)]
    public void Policy_loss_is_continuous_exactly_at_the_clip_boundary(double ratio, double advantage)
    {
        using var scope = NewDisposeScope();
        var old = T(new double[,] { { 0.0 } });
        using var output = PpoLosses.PolicyLoss(T(new double[,] { { Math.Log(ratio) } }), old, T(new double[,] { { advantage } }), ones(1, 1), Eps);
        Close(-ratio * advantage, output.Loss, 1e-12);
        Close(0.0, output.ClipFraction); // both branches agree: not counted as clipped
    }

    [Fact]
    public void Masked_tokens_neither_change_the_loss_nor_receive_gradient_and_aggregations_differ_as_documented()
    {
        using var scope = NewDisposeScope();
        var old = zeros(2, 3, dtype: ScalarType.Float64);
        var logp = T(new double[,] { { 0, 0, 50 }, { 0, 50, 50 } }).requires_grad_();
        var adv = T(new double[,] { { 1, 3, 100 }, { 2, 100, 100 } });
        var mask = T(new double[,] { { 1, 1, 0 }, { 1, 0, 0 } });

        using var token = PpoLosses.PolicyLoss(logp, old, adv, mask, Eps, LossAggregation.TokenMean);
        Close(-(1 + 3 + 2) / 3.0, token.Loss, 1e-12);
        token.Loss.backward();
        Close([-1 / 3.0, -3 / 3.0, 0, -2 / 3.0, 0, 0], logp.grad!, 1e-12);

        using var sequence = PpoLosses.PolicyLoss(logp, old, adv, mask, Eps, LossAggregation.SequenceMean);
        Close(-(((1 + 3) / 2.0) + 2) / 2.0, sequence.Loss, 1e-12);
    }

    [Fact]
    public void Approx_kl_is_zero_when_nothing_moved_and_positive_otherwise()
    {
        using var scope = NewDisposeScope();
        var old = T(new double[,] { { -1, -2 } });
        using var same = PpoLosses.PolicyLoss(old.clone(), old, ones(1, 2, dtype: ScalarType.Float64), ones(1, 2));
        Close(0.0, same.ApproxKl);
        using var moved = PpoLosses.PolicyLoss(old + 0.3, old, ones(1, 2, dtype: ScalarType.Float64), ones(1, 2));
        Close(Math.Exp(0.3) - 1 - 0.3, moved.ApproxKl, 1e-12);
    }

    [Fact]
    public void Value_loss_takes_the_larger_error_with_the_half_factor_and_no_gradient_when_clipped()
    {
        using var scope = NewDisposeScope();
        // Token 0: V moved 0 → 0.5 towards R = 1; the clipped value 0.2 has the larger error 0.64: clipped branch.
        // Token 1: V moved 0 → 0.5 away from R = 0; unclipped error 0.25 is larger: gradient 2·0.5.
        // Token 2: V moved within the clip (0 → 0.1), R = 1: both errors 0.81.
        var old = zeros(1, 3, dtype: ScalarType.Float64);
        var values = T(new double[,] { { 0.5, 0.5, 0.1 } }).requires_grad_();
        var returns = T(new double[,] { { 1.0, 0.0, 1.0 } });
        using var output = PpoLosses.ValueLoss(values, old, returns, ones(1, 3), 0.2);
        Close(0.5 * (0.64 + 0.25 + 0.81) / 3, output.Loss, 1e-12);
        Close(1 / 3.0, output.ClipFraction, 1e-12);
        output.Loss.backward();
        // d/dV of ½·mean((V − R)²) = (V − R)/3 on unclipped tokens.
        Close([0, 0.5 / 3, (0.1 - 1.0) / 3], values.grad!, 1e-12);
    }

    [Fact]
    public void Value_loss_without_clip_is_the_half_mean_squared_error()
    {
        using var scope = NewDisposeScope();
        var values = T(new double[,] { { 0.5, 2.0, 9.0 } });
        using var output = PpoLosses.ValueLoss(values, zeros(1, 3, dtype: ScalarType.Float64), T(new double[,] { { 1.0, 0.0, 0.0 } }),
            T(new double[,] { { 1, 1, 0 } }), clipEpsilon: null);
        Close(0.5 * (0.25 + 4.0) / 2, output.Loss, 1e-12);
    }

    [Fact]
    public void Invalid_clip_values_are_rejected()
    {
        using var scope = NewDisposeScope();
        var x = zeros(1, 2);
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoLosses.PolicyLoss(x, x, x, x, 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoLosses.ValueLoss(x, x, x, x, -0.2));
        var ex = Assert.Throws<ArgumentException>(() => PpoLosses.PolicyLoss(x, x, zeros(2, 2), x));
        Assert.Contains("advantages", ex.Message);
    }
}
