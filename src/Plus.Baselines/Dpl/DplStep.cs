using Plus.Baselines.Common;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Baselines.Dpl;

/// <summary>
/// One DPL optimizer step on a batch of pairs, shaped like Plus.Torch's <see cref="BradleyTerryStep"/> so that any
/// training loop can drive it.
/// </summary>
/// <remarks>
/// <para><see cref="Step"/>: zero the gradients; set the learning rate from <see cref="Schedule"/> at
/// <see cref="StepsTaken"/>; split the batch into micro-batches of <see cref="MicroBatchSize"/> pairs, each scored
/// chosen and rejected in one forward, its loss (<see cref="DplMath.Loss"/>) weighted by its share of the batch; stop
/// with <see cref="NonFiniteLossException"/> on a NaN/∞ loss or gradient norm before any weight changes; clip to
/// <see cref="MaxGradNorm"/>; AdamW step (the shared <see cref="GuardedOptimizerStep"/> with its
/// <see cref="MultiTensorAdamW"/>). With micro-batches the categorical entropy bonus is taken on each
/// micro-batch's mean distribution.</para>
/// <para>The optimizer covers <see cref="DplRewardModel.TrainableParameters"/> in one group (a weight decay, when set,
/// applies to all of them). <see cref="Save"/>/<see cref="Load"/> write and read those parameters and the optimizer
/// state into a checkpoint. Not thread-safe. Disposing disposes the optimizer, not the model.</para>
/// </remarks>
public sealed class DplStep : IDisposable
{
    /// <summary>The default stage name in progress reports and errors: <c>dpl-train</c>.</summary>
    public const string DefaultStage = "dpl-train";

    private readonly GuardedOptimizerStep _update;
    private readonly IReadOnlyList<(string Name, Parameter Parameter)> _trainable;

    /// <summary>Creates the step over the model's trainable parameters.</summary>
    /// <param name="model">The DPL reward model to train.</param>
    /// <param name="optimizer">AdamW hyper-parameters (the learning rate is the schedule's peak, which wins).</param>
    /// <param name="schedule">The learning-rate schedule.</param>
    /// <param name="maxGradNorm">Clip the global gradient norm to this, &gt; 0 (default 1.0).</param>
    /// <param name="microBatchSize">Pairs per forward; 0 runs the whole batch at once.</param>
    public DplStep(DplRewardModel model, AdamWSettings optimizer, LearningRateSchedule schedule, double maxGradNorm = 1.0, int microBatchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "The gradient clipping norm must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(microBatchSize);
        Model = model;
        MicroBatchSize = microBatchSize;
        _trainable = model.TrainableParameters();
        _update = new GuardedOptimizerStep(_trainable.Select(p => p.Parameter), optimizer, schedule, DefaultStage, maxGradNorm);
    }

    /// <summary>The model being trained.</summary>
    public DplRewardModel Model { get; }

    /// <summary>The optimizer (<see cref="MultiTensorAdamW"/> over the trainable parameters).</summary>
    public optim.Optimizer Optimizer => _update.Optimizer;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateSchedule Schedule => _update.Schedule;

    /// <summary>The clipping norm.</summary>
    public double MaxGradNorm => _update.MaxGradNorm;

    /// <summary>Pairs per forward (0: the whole batch).</summary>
    public int MicroBatchSize { get; }

    /// <summary>Optimizer steps taken so far; set it when resuming.</summary>
    public int StepsTaken
    {
        get => _update.StepsTaken;
        set => _update.StepsTaken = value;
    }

    /// <summary>The checkpoint named by a <see cref="NonFiniteLossException"/> as the last good one.</summary>
    public string? LastGoodCheckpoint
    {
        get => _update.LastGoodCheckpoint;
        set => _update.LastGoodCheckpoint = value;
    }

    /// <summary>The stage named in errors (default <see cref="DefaultStage"/>).</summary>
    public string StageName
    {
        get => _update.StageName;
        init => _update.StageName = value;
    }

    /// <summary>Trains on one batch (see the class remarks). Puts the model in train mode.</summary>
    /// <param name="batch">The pairs with their conditioning (at least one; DPL normally uses <see cref="UserConditioning.None"/>).</param>
    /// <param name="cancellationToken">Checked between micro-batches; a cancelled step changes no weight.</param>
    /// <returns>Loss, accuracy, mean chosen probability, gradient norm and learning rate of the step.</returns>
    /// <exception cref="NonFiniteLossException">The loss or the gradient norm is NaN or infinite; no weight was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the optimizer step.</exception>
    public DplStepResult Step(IReadOnlyList<ConditionedPair> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new ArgumentException("A batch needs at least one pair.", nameof(batch));
        Model.Train();
        double lr = _update.Begin();
        int micro = MicroBatchSize == 0 ? batch.Count : MicroBatchSize;
        int truncated = 0;
        using var totals = zeros(3, ScalarType.Float32, Model.Base.Model.Device);
        for (int start = 0; start < batch.Count; start += micro)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var slice = batch.Skip(start).Take(micro).ToArray();
            using var scope = NewDisposeScope();
            var output = Model.PairLoss(slice);
            var weighted = output.Loss * ((double)slice.Length / batch.Count);
            weighted.backward();
            var p = output.ChosenProbability.detach();
            totals.add_(stack([weighted.detach(), p.gt(0.5).sum().to(ScalarType.Float32), p.sum()]));
            truncated += output.Truncated;
        }

        var host = totals.cpu().data<float>().ToArray();
        double loss = host[0], correct = host[1], probability = host[2];
        double norm = _update.Complete(loss, "dpl_loss", cancellationToken);
        return new DplStepResult(StepsTaken, loss, correct / batch.Count, probability / batch.Count, norm, lr, batch.Count, truncated);
    }

    /// <summary>
    /// Writes the trainable parameters (<c>{name}.trainable.safetensors</c>: <c>backbone.*</c> names and the head as
    /// <c>score.weight</c> [outputs, hidden], with the variant and <c>num_labels</c> in the metadata) and the optimizer
    /// state (<c>{name}.optimizer.bin</c>) into a checkpoint being written.
    /// </summary>
    /// <param name="writer">The checkpoint writer from <see cref="CheckpointStore.Save"/>.</param>
    /// <param name="name">The model's name in the checkpoint (default <c>dpl</c>).</param>
    public void Save(CheckpointWriter writer, string name = "dpl")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = "DPL",
            ["variant"] = Model.Options.Variant.ToString(),
            ["num_labels"] = Model.Options.Outputs.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        ParameterFile.Write(writer.GetPath(TrainableFile(name)), _trainable, metadata);
        _update.Save(writer, name);
    }

    /// <summary>
    /// Restores the trainable parameters and the optimizer state saved by <see cref="Save"/>. Every parameter is
    /// checked (present, same shape, nothing extra) before any is assigned.
    /// </summary>
    /// <param name="reader">The checkpoint.</param>
    /// <param name="name">The model's name in the checkpoint (default <c>dpl</c>).</param>
    /// <exception cref="InvalidDataException">The file is missing, or a parameter is missing, extra or mis-shaped; the message names the file and the parameter.</exception>
    public void Load(CheckpointReader reader, string name = "dpl")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string path = reader.GetPath(TrainableFile(name));
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint '{reader.Directory}' has no '{TrainableFile(name)}'.");
        ParameterFile.Read(path, _trainable);
        _update.Load(reader, name);
    }

    /// <inheritdoc />
    public void Dispose() => _update.Dispose();

    private static string TrainableFile(string name) => name + ".trainable.safetensors";
}
