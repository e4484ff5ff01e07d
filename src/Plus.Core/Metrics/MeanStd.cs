namespace Plus.Metrics;

/// <summary>The mean and sample standard deviation of a metric over runs (seeds).</summary>
/// <param name="Mean">The arithmetic mean.</param>
/// <param name="Std">The sample standard deviation (divisor n − 1); 0 when <paramref name="N"/> is 1.</param>
/// <param name="N">The number of runs.</param>
public readonly record struct MeanStd(double Mean, double Std, int N)
{
    /// <summary>Computes the mean and the sample standard deviation (n − 1) of <paramref name="values"/>; one value gives std 0.</summary>
    /// <param name="values">One value per run.</param>
    /// <exception cref="ArgumentException"><paramref name="values"/> is empty or holds NaN or an infinity.</exception>
    public static MeanStd Of(IEnumerable<double> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        var list = values.ToList();
        if (list.Count == 0) throw new ArgumentException("At least one value is needed.", nameof(values));
        if (list.Any(v => !double.IsFinite(v))) throw new ArgumentException("Every value must be finite.", nameof(values));
        var mean = list.Average();
        if (list.Count == 1) return new MeanStd(mean, 0, 1);
        var sumSquares = list.Sum(v => (v - mean) * (v - mean));
        return new MeanStd(mean, Math.Sqrt(sumSquares / (list.Count - 1)), list.Count);
    }
}
