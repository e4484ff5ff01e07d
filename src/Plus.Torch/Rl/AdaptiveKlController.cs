namespace Plus.Torch.Rl;

/// <summary>
/// The adaptive KL controller of Ziegler et al. (2019): β moves towards the value that keeps the observed KL near
/// a target.
/// </summary>
/// <remarks>
/// <c>e = clip(KL / KL_target − 1, −0.2, 0.2)</c>, <c>β ← β·(1 + e·n / horizon)</c>. A KL above the target raises β
/// (a stronger pull to the reference); below it lowers β.
/// </remarks>
public sealed class AdaptiveKlController : IKlController
{
    private double _value;

    /// <summary>Creates the controller.</summary>
    /// <param name="initialValue">The starting β ≥ 0.</param>
    /// <param name="targetKl">The KL to hold, &gt; 0 (Ziegler et al.: 6 nats per sequence for their task).</param>
    /// <param name="horizon">The number of samples over which β may change by about a factor e^0.2, &gt; 0 (Ziegler et al.: 10,000).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public AdaptiveKlController(double initialValue, double targetKl, double horizon)
    {
        Value = initialValue;
        if (!(targetKl > 0) || !double.IsFinite(targetKl)) throw new ArgumentOutOfRangeException(nameof(targetKl), targetKl, "The target KL must be positive.");
        if (!(horizon > 0) || !double.IsFinite(horizon)) throw new ArgumentOutOfRangeException(nameof(horizon), horizon, "The horizon must be positive.");
        TargetKl = targetKl;
        Horizon = horizon;
    }

    /// <summary>The KL the controller aims at.</summary>
    public double TargetKl { get; }

    /// <summary>The horizon, in samples.</summary>
    public double Horizon { get; }

    /// <inheritdoc />
    public double Value
    {
        get => _value;
        set => _value = CheckCoefficient(value, nameof(Value));
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="steps"/> is negative.</exception>
    /// <remarks>A non-finite <paramref name="observedKl"/> leaves β unchanged (the caller's NaN guard reports it).</remarks>
    public void Update(double observedKl, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(steps);
        if (!double.IsFinite(observedKl)) return;
        double error = Math.Clamp(observedKl / TargetKl - 1, -0.2, 0.2);
        _value *= 1 + error * steps / Horizon;
    }

    internal static double CheckCoefficient(double value, string name)
    {
        if (!double.IsFinite(value) || value < 0)
        {
            throw new ArgumentOutOfRangeException(name, value, "The KL coefficient must be a finite number ≥ 0.");
        }

        return value;
    }
}
