namespace Plus.Torch.Rl;

/// <summary>Supplies the KL coefficient β of the per-token penalty and adapts it from the observed KL.</summary>
/// <remarks>Not thread-safe: one trainer owns one controller. Its state is <see cref="Value"/>; save it with the trainer state.</remarks>
public interface IKlController
{
    /// <summary>The current KL coefficient β ≥ 0.</summary>
    double Value { get; set; }

    /// <summary>Updates β after a rollout batch.</summary>
    /// <param name="observedKl">The mean per-sequence KL of the batch (sum over tokens, mean over rows).</param>
    /// <param name="steps">How many samples (or steps) the batch held; the adaptive controller scales its move by it.</param>
    void Update(double observedKl, int steps);
}
