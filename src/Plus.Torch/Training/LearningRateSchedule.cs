using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// Linear warm-up then cosine decay to a floor: OpenRLHF's <c>cosine_with_min_lr</c> (Hugging Face
/// <c>get_cosine_with_min_lr_schedule_with_warmup</c>), the schedule of the paper's runs.
/// </summary>
/// <remarks>
/// <para>With W = ⌈fraction·N⌉ warm-up steps of N in all, peak η and floor ratio ρ:</para>
/// <list type="bullet">
/// <item><c>step &lt; W</c>: <c>η·step/W</c> (so step 0 trains with learning rate 0, exactly as the reference; with W = 0 it starts at η).</item>
/// <item>otherwise, with <c>p = clamp((step − W)/max(1, N − W), 0, 1)</c>: <c>η·(ρ + (1 − ρ)·½·(1 + cos πp))</c>.</item>
/// </list>
/// <para><c>step</c> counts optimizer steps already taken (0-based): apply <c>At(step)</c> before the optimizer step that
/// makes it <c>step + 1</c>. Past N the rate stays at the floor <c>ρ·η</c>. Immutable and thread-safe.</para>
/// </remarks>
public sealed class LearningRateSchedule
{
    /// <summary>Creates the schedule.</summary>
    /// <param name="peakLearningRate">η &gt; 0, reached at the end of warm-up.</param>
    /// <param name="totalSteps">N ≥ 1, the optimizer steps of the whole run.</param>
    /// <param name="warmupFraction">The warm-up share of N in [0, 1) (default 0.03).</param>
    /// <param name="minLearningRateRatio">The floor as a fraction ρ of η, in [0, 1] (default 0.1).</param>
    /// <exception cref="ArgumentOutOfRangeException">An argument is outside its range.</exception>
    public LearningRateSchedule(double peakLearningRate, int totalSteps, double warmupFraction = 0.03, double minLearningRateRatio = 0.1)
    {
        if (!(peakLearningRate > 0) || !double.IsFinite(peakLearningRate))
            throw new ArgumentOutOfRangeException(nameof(peakLearningRate), peakLearningRate, "The peak learning rate must be a positive finite number.");
        ArgumentOutOfRangeException.ThrowIfLessThan(totalSteps, 1);
        if (!(warmupFraction >= 0 && warmupFraction < 1))
            throw new ArgumentOutOfRangeException(nameof(warmupFraction), warmupFraction, "The warm-up fraction must lie in [0, 1).");
        if (!(minLearningRateRatio >= 0 && minLearningRateRatio <= 1))
            throw new ArgumentOutOfRangeException(nameof(minLearningRateRatio), minLearningRateRatio, "The floor ratio must lie in [0, 1].");

        PeakLearningRate = peakLearningRate;
        TotalSteps = totalSteps;
        WarmupSteps = (int)Math.Ceiling(totalSteps * warmupFraction);
        MinLearningRateRatio = minLearningRateRatio;
    }

    /// <summary>η, the learning rate at the end of warm-up.</summary>
    public double PeakLearningRate { get; }

    /// <summary>N, the optimizer steps of the run.</summary>
    public int TotalSteps { get; }

    /// <summary>W = ⌈warmupFraction·N⌉.</summary>
    public int WarmupSteps { get; }

    /// <summary>ρ, the floor as a fraction of η.</summary>
    public double MinLearningRateRatio { get; }

    /// <summary>The floor ρ·η reached at step N.</summary>
    public double MinLearningRate => PeakLearningRate * MinLearningRateRatio;

    /// <summary>The learning rate for the optimizer step taken after <paramref name="step"/> steps.</summary>
    /// <param name="step">Optimizer steps already taken, ≥ 0.</param>
    /// <returns>The learning rate.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="step"/> is negative.</exception>
    public double At(int step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        if (step < WarmupSteps)
        {
            return PeakLearningRate * step / WarmupSteps;
        }

        double progress = Math.Clamp((double)(step - WarmupSteps) / Math.Max(1, TotalSteps - WarmupSteps), 0, 1);
        double cosine = 0.5 * (1 + Math.Cos(Math.PI * progress));
        return PeakLearningRate * (MinLearningRateRatio + (1 - MinLearningRateRatio) * cosine);
    }

    /// <summary>Sets every parameter group of <paramref name="optimizer"/> to <see cref="At"/>(<paramref name="step"/>).</summary>
    /// <param name="optimizer">Any TorchSharp optimizer.</param>
    /// <param name="step">Optimizer steps already taken.</param>
    /// <returns>The learning rate set.</returns>
    public double Apply(optim.Optimizer optimizer, int step)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        double lr = At(step);
        foreach (var group in optimizer.ParamGroups)
        {
            group.LearningRate = lr;
        }

        return lr;
    }
}
