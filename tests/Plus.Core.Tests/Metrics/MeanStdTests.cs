using Plus.Metrics;

namespace Plus.Core.Tests.Metrics;

public class MeanStdTests
{
    [Fact]
    public void Uses_the_sample_standard_deviation()
    {
        var value = MeanStd.Of(new[] { 0.9, 1.0, 0.8 });
        Assert.Equal(0.9, value.Mean, 12);
        Assert.Equal(0.1, value.Std, 12); // sqrt(((0)^2 + 0.1^2 + 0.1^2) / 2)
        Assert.Equal(3, value.N);
        Assert.Equal(Math.Sqrt(0.5), MeanStd.Of(new[] { 1.0, 2.0 }).Std, 12);
    }

    [Fact]
    public void One_run_has_std_zero_and_no_runs_is_an_error()
    {
        Assert.Equal(new MeanStd(0.7, 0, 1), MeanStd.Of(new[] { 0.7 }));
        Assert.Throws<ArgumentException>(() => MeanStd.Of(Array.Empty<double>()));
        Assert.Throws<ArgumentException>(() => MeanStd.Of(new[] { double.NaN }));
    }
}
