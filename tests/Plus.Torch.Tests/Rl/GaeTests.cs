using Plus.Torch.Rl;
using static Plus.Torch.Tests.Rl.TensorAssert;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Rl;

public class GaeTests
{
    // rewards [0, 0, 1], values [0.5, 0.6, 0.7], γ = 1, λ = 0.95, worked by hand:
    // t=2: δ = 1 + 0 − 0.7 = 0.3,          A = 0.3
    // t=1: δ = 0 + 0.7 − 0.6 = 0.1,        A = 0.1 + 0.95·0.3   = 0.385
    // t=0: δ = 0 + 0.6 − 0.5 = 0.1,        A = 0.1 + 0.95·0.385 = 0.46575
    // returns = A + V = [0.96575, 0.985, 1.0]
    [Fact]
    public void Matches_the_hand_computed_example_with_gamma_1()
    {
        using var scope = NewDisposeScope();
        using var result = Gae.Compute(T(new double[,] { { 0, 0, 1 } }), T(new double[,] { { 0.5, 0.6, 0.7 } }),
            ones(1, 3), gamma: 1.0, lambda: 0.95);
        Close([0.46575, 0.385, 0.3], result.Advantages, 1e-12);
        Close([0.96575, 0.985, 1.0], result.Returns, 1e-12);
    }

    // rewards [0.1, −0.2, 1.0], values [0.5, 0.6, 0.7], γ = 0.9, λ = 0.95 (γλ = 0.855):
    // t=2: δ = 1.0 − 0.7 = 0.3,                       A = 0.3
    // t=1: δ = −0.2 + 0.9·0.7 − 0.6 = −0.17,          A = −0.17 + 0.855·0.3    = 0.0865
    // t=0: δ = 0.1 + 0.9·0.6 − 0.5 = 0.14,            A = 0.14 + 0.855·0.0865  = 0.2139575
    // returns = [0.7139575, 0.6865, 1.0]
    [Fact]
    public void Matches_the_hand_computed_example_with_gamma_0_9()
    {
        using var scope = NewDisposeScope();
        using var result = Gae.Compute(T(new double[,] { { 0.1, -0.2, 1.0 } }), T(new double[,] { { 0.5, 0.6, 0.7 } }),
            ones(1, 3), gamma: 0.9, lambda: 0.95);
        Close([0.2139575, 0.0865, 0.3], result.Advantages, 1e-12);
        Close([0.7139575, 0.6865, 1.0], result.Returns, 1e-12);
    }

    // Row 0 is the γ = 1 example with one padding token holding garbage; row 1 has two tokens:
    // rewards [0, 2], values [1, 0.5]: t=1: A = 2 − 0.5 = 1.5; t=0: δ = 0.5 − 1 = −0.5, A = −0.5 + 0.95·1.5 = 0.925.
    [Fact]
    public void Rows_of_different_lengths_ignore_the_garbage_in_their_padding()
    {
        using var scope = NewDisposeScope();
        var rewards = T(new double[,] { { 0, 0, 1, 9 }, { 0, 2, 7, -7 } });
        var values = T(new double[,] { { 0.5, 0.6, 0.7, 5 }, { 1, 0.5, 3, 3 } });
        var mask = T(new double[,] { { 1, 1, 1, 0 }, { 1, 1, 0, 0 } });
        using var result = Gae.Compute(rewards, values, mask, 1.0, 0.95);
        Close([0.46575, 0.385, 0.3, 0, 0.925, 1.5, 0, 0], result.Advantages, 1e-12);
        Close([0.96575, 0.985, 1.0, 0, 1.925, 2.0, 0, 0], result.Returns, 1e-12);
    }

    [Fact]
    public void Left_padding_and_holes_in_the_mask_are_skipped_by_the_recursion()
    {
        using var scope = NewDisposeScope();
        // The same three real tokens as the γ = 0.9 example, placed after one pad and around a hole.
        var rewards = T(new double[,] { { 5, 0.1, -0.2, 4, 1.0 } });
        var values = T(new double[,] { { 5, 0.5, 0.6, 4, 0.7 } });
        var mask = T(new double[,] { { 0, 1, 1, 0, 1 } });
        using var result = Gae.Compute(rewards, values, mask, 0.9, 0.95);
        Close([0, 0.2139575, 0.0865, 0, 0.3], result.Advantages, 1e-12);
        Close([0, 0.7139575, 0.6865, 0, 1.0], result.Returns, 1e-12);
    }

    [Fact]
    public void Computes_without_gradients_even_when_values_require_them()
    {
        using var scope = NewDisposeScope();
        var values = T(new double[,] { { 0.5, 0.6 } }).requires_grad_();
        using var result = Gae.Compute(zeros(1, 2, dtype: ScalarType.Float64), values, ones(1, 2));
        Assert.False(result.Advantages.requires_grad);
        Assert.False(result.Returns.requires_grad);
    }

    [Fact]
    public void Mismatched_shapes_and_bad_coefficients_are_rejected_with_the_tensor_named()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => Gae.Compute(zeros(2, 3), zeros(2, 3), ones(2, 4)));
        Assert.Contains("'mask'", ex.Message);
        Assert.Contains("[2, 4]", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(zeros(2, 3), zeros(2, 3), ones(2, 3), gamma: 1.5));
        Assert.Throws<ArgumentOutOfRangeException>(() => Gae.Compute(zeros(2, 3), zeros(2, 3), ones(2, 3), lambda: -0.1));
    }
}
