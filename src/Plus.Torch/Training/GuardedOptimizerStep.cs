using Plus.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// The optimizer half of one training step, shared by <see cref="BradleyTerryStep"/> and the DPL and VPL steps of
/// Plus.Baselines: a <see cref="MultiTensorAdamW"/> over the trainable parameters, the learning-rate schedule, the
/// NaN/∞ guard, gradient clipping and the step count.
/// </summary>
/// <remarks>
/// <para>A step is <see cref="Begin"/> (zero the gradients, set the learning rate to
/// <see cref="LearningRateSchedule.At"/>(<see cref="StepsTaken"/>)), the caller's forwards and backwards, then
/// <see cref="Complete"/>: stop with <see cref="NonFiniteLossException"/> (naming step <see cref="StepsTaken"/> + 1,
/// <see cref="StageName"/>, the quantity and <see cref="LastGoodCheckpoint"/>) on a NaN/∞ loss, honour the cancellation
/// token, clip the global gradient norm to <see cref="MaxGradNorm"/> (<see cref="GradientClipping"/>), stop the same
/// way on a NaN/∞ norm, take the AdamW step, zero the gradients and count the step. Nothing changes a weight before
/// both checks pass.</para>
/// <para>Not thread-safe. Disposing disposes the optimizer, not the parameters.</para>
/// </remarks>
public sealed class GuardedOptimizerStep : IDisposable
{
    /// <summary>Creates the step over the trainable parameters of <paramref name="module"/> (grouped as
    /// <see cref="OptimizerFactory.CreateMultiTensorAdamW(nn.Module, AdamWSettings?)"/> groups them).</summary>
    /// <param name="module">The module whose parameters with <c>requires_grad</c> are trained.</param>
    /// <param name="settings">AdamW hyper-parameters (the learning rate is the schedule's peak, which wins).</param>
    /// <param name="schedule">The learning-rate schedule.</param>
    /// <param name="stageName">The stage named in errors.</param>
    /// <param name="maxGradNorm">Clip the global gradient norm to this, &gt; 0 (default 1.0, the paper's).</param>
    /// <exception cref="InvalidOperationException">The module has no trainable parameter.</exception>
    public GuardedOptimizerStep(nn.Module module, AdamWSettings settings, LearningRateSchedule schedule, string stageName, double maxGradNorm = 1.0)
        : this(Check(module, settings, schedule, stageName, maxGradNorm).named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.parameter),
            OptimizerFactory.CreateMultiTensorAdamW(module, settings with { LearningRate = schedule.PeakLearningRate }), schedule, stageName, maxGradNorm)
    {
    }

    /// <summary>Creates the step over the given parameters that have <c>requires_grad</c>, in one group.</summary>
    /// <param name="parameters">The parameters to train.</param>
    /// <param name="settings">AdamW hyper-parameters (the learning rate is the schedule's peak, which wins).</param>
    /// <param name="schedule">The learning-rate schedule.</param>
    /// <param name="stageName">The stage named in errors.</param>
    /// <param name="maxGradNorm">Clip the global gradient norm to this, &gt; 0 (default 1.0, the paper's).</param>
    /// <exception cref="InvalidOperationException">None of the parameters is trainable.</exception>
    public GuardedOptimizerStep(IEnumerable<Parameter> parameters, AdamWSettings settings, LearningRateSchedule schedule, string stageName, double maxGradNorm = 1.0)
        : this(Check(parameters, settings, schedule, stageName, maxGradNorm).Where(p => p.requires_grad),
            OptimizerFactory.CreateMultiTensorAdamW(parameters, settings with { LearningRate = schedule.PeakLearningRate }), schedule, stageName, maxGradNorm)
    {
    }

    private GuardedOptimizerStep(IEnumerable<Parameter> clipped, MultiTensorAdamW optimizer, LearningRateSchedule schedule, string stageName, double maxGradNorm)
    {
        Parameters = [.. clipped];
        Optimizer = optimizer;
        Schedule = schedule;
        StageName = stageName;
        MaxGradNorm = maxGradNorm;
    }

    /// <summary>The optimizer.</summary>
    public MultiTensorAdamW Optimizer { get; }

    /// <summary>The trained parameters, in the order they are clipped (the module's or the caller's order).</summary>
    public IReadOnlyList<Parameter> Parameters { get; }

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateSchedule Schedule { get; }

    /// <summary>The clipping norm.</summary>
    public double MaxGradNorm { get; }

    /// <summary>Optimizer steps taken so far; set it when resuming.</summary>
    public int StepsTaken { get; set; }

    /// <summary>The checkpoint named by a <see cref="NonFiniteLossException"/> as the last good one.</summary>
    public string? LastGoodCheckpoint { get; set; }

    /// <summary>The stage named in errors.</summary>
    /// <exception cref="ArgumentException">Set to null or blank.</exception>
    public string StageName
    {
        get => _stageName;
        set
        {
            ArgumentException.ThrowIfNullOrWhiteSpace(value);
            _stageName = value;
        }
    }

    private string _stageName = "train";

    /// <summary>Starts a step: zeroes the gradients and sets the learning rate for step <see cref="StepsTaken"/>.</summary>
    /// <returns>The learning rate of this step.</returns>
    public double Begin()
    {
        Optimizer.zero_grad();
        return Schedule.Apply(Optimizer, StepsTaken);
    }

    /// <summary>Finishes a step whose gradients are accumulated (see the class remarks).</summary>
    /// <param name="loss">The step's loss, read on the host.</param>
    /// <param name="lossQuantity">Its name in a <see cref="NonFiniteLossException"/>, e.g. <c>bt_loss</c>.</param>
    /// <param name="cancellationToken">Checked after the loss guard, before any weight changes.</param>
    /// <returns>The global gradient norm before clipping.</returns>
    /// <exception cref="NonFiniteLossException">The loss or the gradient norm is NaN or infinite; no weight was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled; no weight was changed.</exception>
    public double Complete(double loss, string lossQuantity, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(lossQuantity);
        LossGuard.ThrowIfNotFinite(loss, StepsTaken + 1, StageName, LastGoodCheckpoint, lossQuantity);
        cancellationToken.ThrowIfCancellationRequested();
        double norm = GradientClipping.ClipByGlobalNorm(Parameters, MaxGradNorm);
        HostReads.Note(); // clip_grad_norm_ returns the norm as a double: one synchronisation.
        LossGuard.ThrowIfNotFinite(norm, StepsTaken + 1, StageName, LastGoodCheckpoint, "grad_norm");
        Optimizer.step();
        Optimizer.zero_grad();
        StepsTaken++;
        return norm;
    }

    /// <summary>Writes the optimizer state as <c>{name}.optimizer.bin</c> into a checkpoint being written.</summary>
    /// <param name="writer">The checkpoint writer.</param>
    /// <param name="name">The name in the checkpoint.</param>
    public void Save(CheckpointWriter writer, string name)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.SaveOptimizer(name, Optimizer);
    }

    /// <summary>Restores the optimizer state written by <see cref="Save"/> (or by TorchSharp's AdamW over the same parameters).</summary>
    /// <param name="reader">The checkpoint.</param>
    /// <param name="name">The name in the checkpoint.</param>
    /// <exception cref="InvalidDataException">The file does not match; the message names it.</exception>
    public void Load(CheckpointReader reader, string name)
    {
        ArgumentNullException.ThrowIfNull(reader);
        reader.LoadOptimizer(name, Optimizer);
    }

    /// <inheritdoc />
    public void Dispose() => Optimizer.Dispose();

    private static T Check<T>(T target, AdamWSettings settings, LearningRateSchedule schedule, string stageName, double maxGradNorm) where T : class
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(schedule);
        ArgumentException.ThrowIfNullOrWhiteSpace(stageName);
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "The gradient clipping norm must be positive.");
        return target;
    }
}
