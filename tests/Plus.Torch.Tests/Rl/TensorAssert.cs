using static TorchSharp.torch;

namespace Plus.Torch.Tests.Rl;

internal static class TensorAssert
{
    public static Tensor T(double[,] values) => tensor(values, dtype: ScalarType.Float64);

    public static Tensor T(double[] values) => tensor(values, dtype: ScalarType.Float64);

    public static double[] Flat(Tensor t) => t.to_type(ScalarType.Float64).cpu().data<double>().ToArray();

    public static void Close(double[] expected, Tensor actual, double tolerance = 1e-9)
    {
        var got = Flat(actual);
        Assert.Equal(expected.Length, got.Length);
        for (int i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - got[i]) <= tolerance,
                $"Entry {i}: expected {expected[i]:R} but got {got[i]:R} (all: [{string.Join(", ", got)}]).");
        }
    }

    public static void Close(double expected, Tensor actual, double tolerance = 1e-9) => Close([expected], actual, tolerance);
}
