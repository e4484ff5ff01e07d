namespace Plus.Baselines.Vpl;

/// <summary>
/// VPL's cyclic cosine schedule for the KL weight: within each cycle of <see cref="CycleSteps"/> steps the factor rises
/// from <see cref="Baseline"/> to (almost) 1 along half a cosine, then starts again.
/// </summary>
/// <remarks>
/// At step <c>s</c> (0-based), with <c>t = s mod T</c>: <c>y = (cos(π·(t/T − 1)) + 1) / 2</c>, returned as
/// <c>b + (1 − b)·y</c>. So <c>At(0) = b</c>, <c>At(T/2) = b + (1 − b)/2</c>, and <c>At(T) = b</c> again. Stateless: the
/// value depends on the step only, so a resumed run continues the same schedule. Thread-safe.
/// </remarks>
public sealed class CyclicCosineAnnealer
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="cycleSteps">Steps per cycle T, ≥ 1.</param>
    /// <param name="baseline">The factor at the start of each cycle b, in [0, 1] (default 0).</param>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public CyclicCosineAnnealer(int cycleSteps, double baseline = 0)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(cycleSteps, 1);
        if (!(baseline >= 0 && baseline <= 1)) throw new ArgumentOutOfRangeException(nameof(baseline), baseline, "The annealing baseline must lie in [0, 1].");
        CycleSteps = cycleSteps;
        Baseline = baseline;
    }

    /// <summary>Steps per cycle.</summary>
    public int CycleSteps { get; }

    /// <summary>The factor at the start of each cycle.</summary>
    public double Baseline { get; }

    /// <summary>The factor at a step.</summary>
    /// <param name="step">The 0-based optimizer step, ≥ 0.</param>
    /// <returns>A value in [<see cref="Baseline"/>, 1).</returns>
    public double At(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        double t = (double)(step % CycleSteps) / CycleSteps;
        double y = (Math.Cos(Math.PI * (t - 1)) + 1) / 2;
        return Baseline + (1 - Baseline) * y;
    }
}
