using Plus.Baselines.Dpl;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Dpl;

public class DplMathTests
{
    private const double Tol = 1e-5;

    private static double Item(Tensor t) => t.to(ScalarType.Float64).item<double>();

    private static double[] Values(Tensor t) => t.to(ScalarType.Float64).data<double>().ToArray();

    /// <summary>Logits whose softmax is <paramref name="p"/> (zeros get e^−40 of the mass, below float tolerance).</summary>
    private static Tensor Logits(params double[][] rows) =>
        tensor(rows.SelectMany(r => r.Select(p => p > 0 ? Math.Log(p) : -40.0)).Select(v => (float)v).ToArray(), [rows.Length, rows[0].Length]);

    private static double[] OneHot(int k, int atoms = 10)
    {
        var p = new double[atoms];
        p[k] = 1;
        return p;
    }

    [Fact]
    public void Mean_variance_sigma_is_the_softplus_of_the_second_output()
    {
        using var raw = tensor(new float[] { 1, 0, -2, 1 }, [2, 2]);
        var (mean, sigma) = DplMath.MeanAndSigma(raw);
        Assert.Equal([1.0, -2.0], Values(mean));
        var s = Values(sigma);
        Assert.Equal(Math.Log(2), s[0], Tol);
        Assert.Equal(1.3132616875, s[1], Tol); // ln(1 + e)
    }

    [Fact]
    public void Mean_variance_z_loss_and_probability_at_known_inputs()
    {
        // μ_c = 1, μ_r = 0, σ_c = 0.6, σ_r = 0.8: √(0.36 + 0.64) = 1, so z = 1.
        using var mc = tensor(new float[] { 1 });
        using var mr = tensor(new float[] { 0 });
        using var sc = tensor(new float[] { 0.6f });
        using var sr = tensor(new float[] { 0.8f });
        var z = DplMath.MeanVarianceZ(mc, sc, mr, sr);
        Assert.Equal(1.0, Item(z), Tol);
        // softplus(−√(2π)) = ln(1 + e^−2.5066) and σ(√(2π)).
        Assert.Equal(0.0783884625, Item(DplMath.MeanVarianceLoss(z, sc, sr)), Tol);
        Assert.Equal(0.9246051823, Item(DplMath.MeanVarianceProbability(z)), Tol);
        // The probability is exactly exp(−loss): the loss is its log-loss.
        Assert.Equal(Math.Exp(-Item(DplMath.MeanVarianceLoss(z, sc, sr))), Item(DplMath.MeanVarianceProbability(z)), Tol);
    }

    [Fact]
    public void The_variance_penalty_adds_its_weight_times_the_mean_summed_variance()
    {
        using var z = tensor(new float[] { 1, -0.5f });
        using var sc = tensor(new float[] { 0.6f, 1 });
        using var sr = tensor(new float[] { 0.8f, 2 });
        // mean(σ_c² + σ_r²) = mean(1, 5) = 3.
        double without = Item(DplMath.MeanVarianceLoss(z, sc, sr, 0));
        double with = Item(DplMath.MeanVarianceLoss(z, sc, sr, 0.5));
        Assert.Equal(1.5, with - without, Tol);
    }

    [Fact]
    public void Swapping_chosen_and_rejected_gives_the_complement_for_both_heads()
    {
        var mv = new DplOptions();
        using var a = tensor(new float[] { 0.3f, -1, 2, 0.5f }, [2, 2]);
        using var b = tensor(new float[] { -0.2f, 0.4f, 1, 1 }, [2, 2]);
        var p = Values(DplMath.ChosenProbability(mv, a, b));
        var q = Values(DplMath.ChosenProbability(mv, b, a));
        for (int i = 0; i < 2; i++) Assert.Equal(1.0, p[i] + q[i], Tol);

        var cat = new DplOptions { Variant = DplVariant.Categorical };
        using var x = randn(3, 10);
        using var y = randn(3, 10);
        var pc = Values(DplMath.ChosenProbability(cat, x, y));
        var qc = Values(DplMath.ChosenProbability(cat, y, x));
        for (int i = 0; i < 3; i++) Assert.Equal(1.0, pc[i] + qc[i], Tol);
    }

    [Fact]
    public void Categorical_probability_counts_higher_atoms_and_half_of_the_ties()
    {
        var half = new double[10];
        half[1] = 0.5;
        half[2] = 0.5;
        var uniform = Enumerable.Repeat(0.1, 10).ToArray();
        using var chosen = Logits(OneHot(5), OneHot(3), OneHot(4), uniform, half);
        using var rejected = Logits(OneHot(3), OneHot(5), OneHot(4), uniform, OneHot(1));
        var p = Values(DplMath.CategoricalProbability(chosen, rejected));
        Assert.Equal(1.0, p[0], Tol);  // chosen atom above
        Assert.Equal(0.0, p[1], Tol);  // chosen atom below
        Assert.Equal(0.5, p[2], Tol);  // a certain tie counts ½
        Assert.Equal(0.5, p[3], Tol);  // uniform: 45 pairs above (0.45) + ½ of 10 ties (0.05)
        Assert.Equal(0.75, p[4], Tol); // ½ tie at atom 1 (counts ¼) + ½ above at atom 2
    }

    [Fact]
    public void Categorical_loss_is_the_mean_negative_log_probability_minus_the_entropy_bonus()
    {
        var half = new double[10];
        half[1] = 0.5;
        half[2] = 0.5;
        using var chosen = Logits(half);
        using var rejected = Logits(OneHot(1));
        // P = 0.75; the batch-mean distribution of {half, one-hot(1)} is (¾ at atom 1, ¼ at atom 2).
        double entropy = -(0.75 * Math.Log(0.75) + 0.25 * Math.Log(0.25));
        Assert.Equal(entropy, Item(DplMath.BatchMeanEntropy(chosen, rejected)), Tol);
        Assert.Equal(-Math.Log(0.75), Item(DplMath.CategoricalLoss(chosen, rejected, 0)), Tol);
        Assert.Equal(-Math.Log(0.75) - 0.1 * entropy, Item(DplMath.CategoricalLoss(chosen, rejected)), Tol);
    }

    [Fact]
    public void The_entropy_bonus_is_taken_on_the_batch_mean_not_per_response()
    {
        // Two certain responses on different atoms: each has entropy 0, their mean has ln 2.
        using var chosen = Logits(OneHot(1));
        using var rejected = Logits(OneHot(0));
        Assert.Equal(Math.Log(2), Item(DplMath.BatchMeanEntropy(chosen, rejected)), Tol);
        Assert.Equal(-0.1 * Math.Log(2), Item(DplMath.CategoricalLoss(chosen, rejected, 0.1)), Tol);
    }

    [Fact]
    public void The_expected_reward_is_mu_or_the_mean_atom()
    {
        using var mv = tensor(new float[] { 0.7f, -3, -1.5f, 2 }, [2, 2]);
        Assert.Equal([0.7, -1.5], Values(DplMath.ExpectedReward(new DplOptions(), mv)).Select(v => Math.Round(v, 5)));

        var cat = new DplOptions { Variant = DplVariant.Categorical };
        using var logits = Logits(Enumerable.Repeat(0.1, 10).ToArray(), OneHot(9), OneHot(0));
        var r = Values(DplMath.ExpectedReward(cat, logits));
        Assert.Equal(0.5, r[0], Tol);
        Assert.Equal(1.0, r[1], Tol);
        Assert.Equal(0.0, r[2], Tol);
        var atoms = Values(DplMath.AtomValues(10));
        Assert.Equal(0.0, atoms[0], Tol);
        Assert.Equal(1 / 9.0, atoms[1], Tol);
        Assert.Equal(1.0, atoms[9], Tol);
    }

    [Fact]
    public void Outputs_of_the_wrong_width_name_the_tensor_and_the_expected_shape()
    {
        using var raw = zeros(4, 3);
        var ex = Assert.Throws<ArgumentException>(() => DplMath.Loss(new DplOptions(), raw, raw));
        Assert.Contains("rawChosen must be [batch, 2]", ex.Message);
        Assert.Contains("[4, 3]", ex.Message);
    }

    [Fact]
    public void Options_out_of_range_name_the_option()
    {
        Assert.Contains("Atoms", Assert.Throws<ArgumentOutOfRangeException>(() => new DplOptions { Atoms = 1 }.Validate()).Message);
        Assert.Contains("VariancePenalty", Assert.Throws<ArgumentOutOfRangeException>(() => new DplOptions { VariancePenalty = -1 }.Validate()).Message);
        Assert.Contains("EntropyBonus", Assert.Throws<ArgumentOutOfRangeException>(() => new DplOptions { EntropyBonus = double.NaN }.Validate()).Message);
        Assert.Equal(10, new DplOptions { Variant = DplVariant.Categorical }.Outputs);
        Assert.Equal(2, new DplOptions().Outputs);
    }
}
