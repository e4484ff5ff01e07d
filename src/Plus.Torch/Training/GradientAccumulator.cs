using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// Counts micro-batches for gradient accumulation: scale each micro-batch loss by 1/n, call <c>backward</c>, and take
/// the optimizer step when <see cref="Advance"/> returns true.
/// </summary>
/// <remarks>Not thread-safe.</remarks>
public sealed class GradientAccumulator
{
    /// <summary>Creates the accumulator.</summary>
    /// <param name="microBatchesPerStep">n ≥ 1 micro-batches per optimizer step.</param>
    public GradientAccumulator(int microBatchesPerStep)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(microBatchesPerStep, 1);
        MicroBatchesPerStep = microBatchesPerStep;
    }

    /// <summary>n, micro-batches per optimizer step.</summary>
    public int MicroBatchesPerStep { get; }

    /// <summary>Micro-batches seen since the last optimizer step.</summary>
    public int Pending { get; private set; }

    /// <summary>The loss divided by n, so that the accumulated gradient is the mean over micro-batches.</summary>
    /// <param name="loss">A scalar loss.</param>
    /// <returns>A new tensor in the current dispose scope.</returns>
    public Tensor Scale(Tensor loss)
    {
        ArgumentNullException.ThrowIfNull(loss);
        return MicroBatchesPerStep == 1 ? loss.alias() : loss / MicroBatchesPerStep;
    }

    /// <summary>Records one micro-batch.</summary>
    /// <returns>True when n micro-batches have accumulated: take the optimizer step and zero the gradients now.</returns>
    public bool Advance()
    {
        Pending++;
        if (Pending < MicroBatchesPerStep) return false;
        Pending = 0;
        return true;
    }

    /// <summary>Forgets pending micro-batches (for example at the end of an epoch after a final step).</summary>
    public void Reset() => Pending = 0;
}
