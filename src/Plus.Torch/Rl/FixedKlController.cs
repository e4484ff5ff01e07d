namespace Plus.Torch.Rl;

/// <summary>A constant KL coefficient (the paper's choice: 0.01, or 0.001 for Pets).</summary>
public sealed class FixedKlController : IKlController
{
    private double _value;

    /// <summary>Creates the controller.</summary>
    /// <param name="value">β ≥ 0.</param>
    /// <exception cref="ArgumentOutOfRangeException">β is negative or not finite.</exception>
    public FixedKlController(double value)
    {
        Value = value;
    }

    /// <inheritdoc />
    public double Value
    {
        get => _value;
        set => _value = AdaptiveKlController.CheckCoefficient(value, nameof(Value));
    }

    /// <inheritdoc />
    /// <remarks>Does nothing: β stays fixed.</remarks>
    public void Update(double observedKl, int steps)
    {
    }
}
