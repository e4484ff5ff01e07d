using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>Stops training at the first NaN or infinity, with <see cref="NonFiniteLossException"/>.</summary>
public static class LossGuard
{
    /// <summary>Throws when <paramref name="value"/> is NaN or ±∞.</summary>
    /// <param name="value">The loss or metric.</param>
    /// <param name="step">The current step.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="lastGoodCheckpoint">The newest checkpoint, or null.</param>
    /// <param name="quantity">The name of the value (default <c>loss</c>).</param>
    /// <returns><paramref name="value"/>, for chaining.</returns>
    /// <exception cref="NonFiniteLossException">The value is not finite.</exception>
    public static double ThrowIfNotFinite(double value, long step, string stage, string? lastGoodCheckpoint, string quantity = "loss")
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        if (!double.IsFinite(value))
        {
            throw new NonFiniteLossException(quantity, value, step, stage, lastGoodCheckpoint);
        }

        return value;
    }

    /// <summary>Reads a scalar tensor (synchronizing with the device) and throws when it is not finite.</summary>
    /// <param name="loss">A tensor of one element.</param>
    /// <param name="step">The current step.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="lastGoodCheckpoint">The newest checkpoint, or null.</param>
    /// <param name="quantity">The name of the value (default <c>loss</c>).</param>
    /// <returns>The value as a double.</returns>
    /// <exception cref="ArgumentException">The tensor has more than one element.</exception>
    /// <exception cref="NonFiniteLossException">The value is not finite.</exception>
    public static double ThrowIfNotFinite(Tensor loss, long step, string stage, string? lastGoodCheckpoint, string quantity = "loss")
    {
        ArgumentNullException.ThrowIfNull(loss);
        if (loss.numel() != 1)
        {
            throw new ArgumentException($"Tensor '{quantity}' must hold one element but has shape [{string.Join(", ", loss.shape)}].", nameof(loss));
        }

        using var scope = NewDisposeScope();
        double value = loss.detach().to_type(ScalarType.Float64).cpu().item<double>();
        return ThrowIfNotFinite(value, step, stage, lastGoodCheckpoint, quantity);
    }

    /// <summary>Throws at the first metric that is not finite.</summary>
    /// <param name="metrics">The metrics of a step by name.</param>
    /// <param name="step">The current step.</param>
    /// <param name="stage">The stage.</param>
    /// <param name="lastGoodCheckpoint">The newest checkpoint, or null.</param>
    /// <exception cref="NonFiniteLossException">A metric is not finite; the exception names it.</exception>
    public static void ThrowIfAnyNotFinite(IReadOnlyDictionary<string, double> metrics, long step, string stage, string? lastGoodCheckpoint)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        foreach (var (name, value) in metrics)
        {
            ThrowIfNotFinite(value, step, stage, lastGoodCheckpoint, name);
        }
    }
}
