using Plus.Baselines.Vpl;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Vpl;

public class VplMathTests
{
    private const double Tol = 1e-5;

    [Fact]
    public void Kl_of_a_known_gaussian_is_half_the_sum_of_mu_squared_plus_sigma_squared_minus_one_minus_log_sigma_squared()
    {
        // Row 0: μ = (1, 0), σ² = (1, 2): ½[(1 + 1 − 1 − 0) + (0 + 2 − 1 − ln 2)] = ½(2 − ln 2) = 0.653426.
        // Row 1: N(0, I) itself: 0. The mean over rows is 0.326713.
        using var mean = tensor(new float[] { 1, 0, 0, 0 }, [2, 2]);
        using var logVar = tensor(new float[] { 0, (float)Math.Log(2), 0, 0 }, [2, 2]);
        Assert.Equal(0.3267132049, VplMath.GaussianKl(mean, logVar).item<float>(), Tol);
        using var first = VplMath.GaussianKl(mean.narrow(0, 0, 1), logVar.narrow(0, 0, 1));
        Assert.Equal(0.6534264097, first.item<float>(), Tol);
        using var second = VplMath.GaussianKl(mean.narrow(0, 1, 1), logVar.narrow(0, 1, 1));
        Assert.Equal(0.0, second.item<float>(), Tol);
    }

    [Fact]
    public void Rescaling_sets_every_row_to_the_target_length_and_keeps_its_direction()
    {
        using var z = tensor(new float[] { 3, 4, 0, -2 }, [2, 2]);
        var r = VplMath.RescaleToLength(z, Math.Sqrt(2)).data<float>().ToArray();
        Assert.Equal(0.8485281374, r[0], Tol); // 3/5·√2
        Assert.Equal(1.1313708499, r[1], Tol); // 4/5·√2
        Assert.Equal(0.0, r[2], Tol);
        Assert.Equal(-Math.Sqrt(2), r[3], Tol);
    }

    [Fact]
    public void A_sampled_latent_has_length_sqrt_latent_and_depends_on_the_noise()
    {
        const int latent = 16;
        using var mean = full(3, latent, 0.3f);
        using var logVar = full(3, latent, -1f);
        using var g1 = new Generator(1, CPU);
        using var g2 = new Generator(2, CPU);
        using var z1 = VplMath.SampleLatent(mean, logVar, g1);
        using var z2 = VplMath.SampleLatent(mean, logVar, g2);
        var norms = z1.square().sum(1).sqrt().data<float>().ToArray();
        Assert.All(norms, n => Assert.Equal(Math.Sqrt(latent), n, 4));
        Assert.False(z1.allclose(z2), "different noise gives different latents");
        using var g1Again = new Generator(1, CPU);
        using var z1Again = VplMath.SampleLatent(mean, logVar, g1Again);
        Assert.True(z1.allclose(z1Again), "the same seed gives the same latent");
    }

    [Fact]
    public void The_cyclic_cosine_annealer_rises_along_half_a_cosine_and_restarts()
    {
        var annealer = new CyclicCosineAnnealer(4);
        double[] expected = [0, 0.1464466094, 0.5, 0.8535533906, 0, 0.1464466094, 0.5];
        for (int s = 0; s < expected.Length; s++) Assert.Equal(expected[s], annealer.At(s), 9);

        var withBaseline = new CyclicCosineAnnealer(4, baseline: 0.2);
        Assert.Equal(0.2, withBaseline.At(0), 9);
        Assert.Equal(0.2 + 0.8 * 0.5, withBaseline.At(2), 9);
        Assert.Equal(0.2, withBaseline.At(8), 9);
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicCosineAnnealer(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => new CyclicCosineAnnealer(4, 1.5));
    }

    [Fact]
    public void Data_set_defaults_follow_the_anchor()
    {
        Assert.Equal(1e-4, VplOptions.ForDataset("pets").KlWeight);
        Assert.Equal(1e-4, VplOptions.ForDataset("Pets-OOD").KlWeight);
        Assert.Equal(3e-6, VplOptions.ForDataset("uf-p-4").KlWeight);
        Assert.Equal(0, VplOptions.ForDataset("uf-p-2").KlWeight);
        Assert.Equal(512, VplOptions.ForDataset("pets").LatentSize);
        var ex = Assert.Throws<ArgumentException>(() => VplOptions.ForDataset("prism"));
        Assert.Contains("pets, pets-ood, uf-p-2, uf-p-4", ex.Message);
        Assert.Contains("LatentSize", Assert.Throws<ArgumentOutOfRangeException>(() => new VplOptions { LatentSize = 0 }.Validate()).Message);
        Assert.Contains("KlWeight", Assert.Throws<ArgumentOutOfRangeException>(() => new VplOptions { KlWeight = -1 }.Validate()).Message);
    }
}
