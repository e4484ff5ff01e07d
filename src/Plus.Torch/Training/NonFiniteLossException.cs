namespace Plus.Torch.Training;

/// <summary>A loss (or gradient norm, or metric) became NaN or infinite: training stopped to keep the last good checkpoint intact.</summary>
public sealed class NonFiniteLossException : Exception
{
    /// <summary>Creates the exception with a message naming the step, the stage and the last good checkpoint.</summary>
    /// <param name="quantity">What was not finite, for example <c>policy_loss</c>.</param>
    /// <param name="value">The value (NaN or ±∞).</param>
    /// <param name="step">The step at which it happened.</param>
    /// <param name="stage">The stage, for example <c>ppo</c> or <c>bt-train</c>.</param>
    /// <param name="lastGoodCheckpoint">The newest checkpoint written before, or null when none was.</param>
    public NonFiniteLossException(string quantity, double value, long step, string stage, string? lastGoodCheckpoint)
        : base(BuildMessage(quantity, value, step, stage, lastGoodCheckpoint))
    {
        Quantity = quantity;
        Value = value;
        Step = step;
        Stage = stage;
        LastGoodCheckpoint = lastGoodCheckpoint;
    }

    /// <summary>What was not finite.</summary>
    public string Quantity { get; }

    /// <summary>The value seen.</summary>
    public double Value { get; }

    /// <summary>The step.</summary>
    public long Step { get; }

    /// <summary>The stage.</summary>
    public string Stage { get; }

    /// <summary>The newest checkpoint written before the failure, or null.</summary>
    public string? LastGoodCheckpoint { get; }

    private static string BuildMessage(string quantity, double value, long step, string stage, string? checkpoint)
    {
        string where = checkpoint is null
            ? "No checkpoint had been written yet."
            : $"The last good checkpoint is '{checkpoint}'; resume from it (for example with a lower learning rate).";
        return FormattableString.Invariant(
            $"Training stage '{stage}' produced a non-finite {quantity} ({value}) at step {step} and was stopped. {where}");
    }
}
