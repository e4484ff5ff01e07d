using Plus.Torch.Rl;
using static Plus.Torch.Tests.Rl.TensorAssert;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Rl;

public class AdvantageWhiteningTests
{
    [Fact]
    public void Masked_entries_get_mean_0_and_std_1_and_padding_is_ignored_and_zeroed()
    {
        using var scope = NewDisposeScope();
        var generator = new TorchSharp.torch.Generator(17);
        var x = randn(4, 6, dtype: ScalarType.Float64, generator: generator) * 3 + 5;
        var mask = T(new double[,] { { 1, 1, 1, 1, 1, 1 }, { 1, 1, 1, 0, 0, 0 }, { 0, 1, 1, 1, 1, 0 }, { 1, 0, 0, 0, 0, 0 } });
        var padded = x + (1 - mask) * 1000; // garbage in the padding must not matter
        var w = AdvantageWhitening.Whiten(padded, mask);

        var selected = Flat(w).Where((_, i) => Flat(mask)[i] == 1).ToArray();
        double mean = selected.Average();
        double std = Math.Sqrt(selected.Select(v => (v - mean) * (v - mean)).Average());
        Assert.Equal(0.0, mean, 1e-9);
        Assert.Equal(1.0, std, 1e-6);
        Assert.All(Flat(w).Where((_, i) => Flat(mask)[i] == 0), v => Assert.Equal(0.0, v));
    }

    [Fact]
    public void Without_shifting_the_mean_is_kept_and_the_spread_is_scaled()
    {
        using var scope = NewDisposeScope();
        var x = T(new double[,] { { 1, 3, 100 } });
        var mask = T(new double[,] { { 1, 1, 0 } });
        // mean 2, population std 1 → (x − 2)/1 + 2 = x
        Close([1, 3, 0], AdvantageWhitening.Whiten(x, mask, shiftMean: false), 1e-6);
        Close([-1, 1, 0], AdvantageWhitening.Whiten(x, mask), 1e-6);
    }
}
