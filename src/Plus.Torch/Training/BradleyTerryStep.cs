using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// One Bradley-Terry optimizer step on a batch of conditioned pairs, callable from any training loop (the
/// <see cref="BradleyTerryTrainer"/>, or the PLUS co-trainer, which conditions on fresh summaries every step).
/// </summary>
/// <remarks>
/// <para><see cref="Step"/>: zero the gradients; set the learning rate from <see cref="Schedule"/> at
/// <see cref="StepsTaken"/>; split the batch into micro-batches of <see cref="MicroBatchSize"/> pairs (gradient
/// accumulation), each scored chosen and rejected in one forward, its loss weighted by its share of the batch so the
/// gradient is that of the batch mean; stop with <see cref="NonFiniteLossException"/> on a NaN/∞ loss or gradient
/// norm before any weight changes; clip to <see cref="MaxGradNorm"/>; AdamW step (<see cref="MultiTensorAdamW"/>, through
/// the shared <see cref="GuardedOptimizerStep"/>). Loss and accuracy are summed on the device and read once per step
/// (no host sync per micro-batch).</para>
/// <para><b>Token budget.</b> With <see cref="MaxTokensPerMicroBatch"/> set, the batch is encoded once; a batch whose
/// padded size fits the budget (and <see cref="MicroBatchSize"/>) runs as one forward in batch order, exactly the
/// unbudgeted step; a larger one has its pairs
/// sorted by length (longest first) and cut into micro-batches whose padded size, 2 × pairs × longest sequence, stays
/// within the budget (and within <see cref="MicroBatchSize"/> pairs when that is set too); a pair longer than the budget
/// on its own forms a micro-batch alone; the ids and masks of all micro-batches go to the device in one copy. Activation memory is then bounded by the budget instead of by the batch's
/// longest text times its size. The gradient is still that of the batch mean (each micro-batch weighted by its share
/// of the pairs), so loss, metrics and updates equal the unbudgeted step up to floating-point rounding.</para>
/// <para>The optimizer covers the reward model's trainable parameters only (the LoRA matrices and the head under
/// LoRA). <see cref="Save"/>/<see cref="Load"/> write and read those parameters and the optimizer state into a
/// checkpoint. Not thread-safe. Disposing disposes the optimizer, not the model.</para>
/// </remarks>
public sealed class BradleyTerryStep : IDisposable
{
    /// <summary>The default stage name in progress reports and errors: <c>bt-train</c>.</summary>
    public const string DefaultStage = "bt-train";

    private readonly GuardedOptimizerStep _update;
    private readonly List<(string Name, Parameter Parameter)> _trainable;

    /// <summary>Creates the step over the model's trainable parameters.</summary>
    /// <param name="model">The reward model to train.</param>
    /// <param name="optimizer">AdamW hyper-parameters (the learning rate is the schedule's peak, which wins).</param>
    /// <param name="schedule">The learning-rate schedule (warm-up + cosine).</param>
    /// <param name="maxGradNorm">Clip the global gradient norm to this, &gt; 0 (default 1.0, the paper's).</param>
    /// <param name="microBatchSize">Pairs per forward; 0 runs the whole batch at once.</param>
    /// <exception cref="InvalidOperationException">The model has no trainable parameter.</exception>
    public BradleyTerryStep(ConditionedRewardModel model, AdamWSettings optimizer, LearningRateSchedule schedule, double maxGradNorm = 1.0, int microBatchSize = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "The gradient clipping norm must be positive.");
        ArgumentOutOfRangeException.ThrowIfNegative(microBatchSize);
        Model = model;
        MicroBatchSize = microBatchSize;
        _trainable = [.. model.Model.TrainableParameters()];
        _update = new GuardedOptimizerStep(model.Model, optimizer, schedule, DefaultStage, maxGradNorm);
    }

    /// <summary>The model being trained.</summary>
    public ConditionedRewardModel Model { get; }

    /// <summary>The optimizer (<see cref="MultiTensorAdamW"/> over the trainable parameters).</summary>
    public optim.Optimizer Optimizer => _update.Optimizer;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateSchedule Schedule => _update.Schedule;

    /// <summary>The clipping norm.</summary>
    public double MaxGradNorm => _update.MaxGradNorm;

    /// <summary>Pairs per forward (0: the whole batch).</summary>
    public int MicroBatchSize { get; }

    /// <summary>
    /// Most padded tokens (2 × pairs × longest sequence) per forward; 0 (default) turns the token budget off and
    /// splits by <see cref="MicroBatchSize"/> alone, in batch order. See the class remarks.
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set to a negative value.</exception>
    public int MaxTokensPerMicroBatch
    {
        get => _maxTokensPerMicroBatch;
        init
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _maxTokensPerMicroBatch = value;
        }
    }

    private readonly int _maxTokensPerMicroBatch;

    /// <summary>
    /// Label smoothing ε of the loss (<see cref="ConditionedRewardModel.BradleyTerryLoss"/>; default 0). Above 0 the loss
    /// stops pulling a pair apart once its margin reaches log((1 − ε) / ε), so pairs whose label no conditioning changes
    /// (Pets' agreed pairs) cannot grow their margins without bound; in issue 15's runs that let a summary outweigh Pets'
    /// agreed pairs on Pets-OOD on two seeds of three (docs/plus.md).
    /// </summary>
    /// <exception cref="ArgumentOutOfRangeException">Set outside [0, 0.5).</exception>
    public double LabelSmoothing
    {
        get => _labelSmoothing;
        init
        {
            ConditionedRewardModel.ValidateLabelSmoothing(value);
            _labelSmoothing = value;
        }
    }

    private readonly double _labelSmoothing;

    /// <summary>Micro-batches (forwards) of the latest step.</summary>
    internal int LastMicroBatches { get; private set; }

    /// <summary>The largest padded micro-batch (rows × width, in tokens) of the latest step.</summary>
    internal long LastPeakTokens { get; private set; }

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
    /// <param name="batch">The pairs with their conditioning (at least one).</param>
    /// <param name="cancellationToken">Checked between micro-batches; a cancelled step changes no weight.</param>
    /// <returns>Loss, accuracy, margin, gradient norm and learning rate of the step.</returns>
    /// <exception cref="NonFiniteLossException">The loss or the gradient norm is NaN or infinite; no weight was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the optimizer step.</exception>
    public BradleyTerryStepResult Step(IReadOnlyList<ConditionedPair> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new ArgumentException("A batch needs at least one pair.", nameof(batch));
        Model.Model.train();
        double lr = _update.Begin();
        int truncated = 0;
        // Loss, correct pairs and margin accumulate on the device; one host sync reads them before the update.
        using var totals = zeros(3, ScalarType.Float32, Model.Model.Device);
        if (MaxTokensPerMicroBatch > 0)
        {
            truncated = AccumulateWithinBudget(batch, totals, cancellationToken);
        }
        else
        {
            int micro = MicroBatchSize == 0 ? batch.Count : MicroBatchSize;
            LastMicroBatches = 0;
            LastPeakTokens = 0;
            for (int start = 0; start < batch.Count; start += micro)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var slice = batch.Skip(start).Take(micro).ToArray();
                using var scope = NewDisposeScope();
                var output = Model.PairLoss(slice, LabelSmoothing);
                Accumulate(output.Loss, output.Chosen, output.Rejected, (double)slice.Length / batch.Count, totals);
                truncated += output.Truncated;
                LastMicroBatches++;
            }
        }

        var host = HostReads.ToArray<float>(totals);
        double loss = host[0], correct = host[1], margin = host[2];
        double norm = _update.Complete(loss, "bt_loss", cancellationToken);
        return new BradleyTerryStepResult(StepsTaken, loss, correct / batch.Count, margin / batch.Count, norm, lr, batch.Count, truncated);
    }

    /// <summary>
    /// Writes the trainable parameters (<c>{name}.trainable.safetensors</c>, by module name) and the optimizer state
    /// (<c>{name}.optimizer.bin</c>) into a checkpoint being written.
    /// </summary>
    /// <param name="writer">The checkpoint writer from <see cref="CheckpointStore.Save"/>.</param>
    /// <param name="name">The model's name in the checkpoint (default <c>reward</c>).</param>
    public void Save(CheckpointWriter writer, string name = "reward")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        SafetensorsWriter.Write(writer.GetPath(TrainableFile(name)), _trainable.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)));
        _update.Save(writer, name);
    }

    /// <summary>
    /// Restores the trainable parameters and the optimizer state saved by <see cref="Save"/>. Every parameter is
    /// checked (present, same shape) before any is assigned.
    /// </summary>
    /// <param name="reader">The checkpoint.</param>
    /// <param name="name">The model's name in the checkpoint (default <c>reward</c>).</param>
    /// <exception cref="InvalidDataException">A parameter is missing or mis-shaped; the message names the file and the parameter.</exception>
    public void Load(CheckpointReader reader, string name = "reward")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string path = reader.GetPath(TrainableFile(name));
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint '{reader.Directory}' has no '{TrainableFile(name)}'.");
        using var file = SafetensorsFile.Open(path);
        foreach (var (param, p) in _trainable)
        {
            if (!file.Contains(param)) throw new InvalidDataException($"Checkpoint file '{path}' lacks trainable parameter '{param}'; was it written by a differently configured model (LoRA vs full)?");
            if (!file.Tensors[param].Shape.SequenceEqual(p.shape))
            {
                throw new InvalidDataException($"Parameter '{param}' in '{path}' has shape {file.Tensors[param].ShapeText}, the model expects {SafetensorsTensorInfo.FormatShape(p.shape)}.");
            }
        }

        if (file.Tensors.Count != _trainable.Count)
        {
            var extra = file.Tensors.Keys.Except(_trainable.Select(t => t.Name)).First();
            throw new InvalidDataException($"Checkpoint file '{path}' holds '{extra}', which is not a trainable parameter of this model.");
        }

        var fresh = new List<(Parameter Param, Tensor Value)>();
        try
        {
            foreach (var (param, p) in _trainable) fresh.Add((p, file.ReadTensor(param, p.dtype, p.device)));
            using var noGrad = no_grad();
            foreach (var (p, value) in fresh) p.copy_(value);
        }
        finally
        {
            foreach (var (_, value) in fresh) value.Dispose();
        }

        _update.Load(reader, name);
    }

    /// <inheritdoc />
    public void Dispose() => _update.Dispose();

    /// <summary>Backward of one micro-batch's loss weighted by its share of the batch; sums loss, correct pairs and margin into <paramref name="totals"/>.</summary>
    private static void Accumulate(Tensor loss, Tensor chosen, Tensor rejected, double share, Tensor totals)
    {
        var weighted = loss * share;
        weighted.backward();
        var c = chosen.detach();
        var r = rejected.detach();
        totals.add_(stack([weighted.detach(), c.gt(r).sum().to(ScalarType.Float32), (c - r).sum()]));
    }

    /// <summary>
    /// The token-budget path: encode once, sort by length, cut by padded tokens, upload every micro-batch's ids and
    /// mask in one host-to-device copy (each copy from pageable memory is a stream sync on CUDA), then forward and
    /// backward each cut.
    /// </summary>
    private int AccumulateWithinBudget(IReadOnlyList<ConditionedPair> batch, Tensor totals, CancellationToken cancellationToken)
    {
        int n = batch.Count;
        var queries = new RewardQuery[2 * n];
        for (int i = 0; i < n; i++)
        {
            var pair = batch[i] ?? throw new ArgumentException($"batch[{i}] is null.", nameof(batch));
            queries[i] = pair.ChosenQuery;
            queries[n + i] = pair.RejectedQuery;
        }

        var encodings = Model.Encoder.Encode(queries);
        for (int i = 0; i < encodings.Count; i++)
        {
            if (encodings[i].TokenIds.Count == 0) throw new ArgumentException($"batch[{i % n}] encodes its {(i < n ? "chosen" : "rejected")} response to no token.", nameof(batch));
        }

        int Length(int pair) => Math.Max(encodings[pair].TokenIds.Count, encodings[n + pair].TokenIds.Count);
        int maxPairs = MicroBatchSize == 0 ? n : MicroBatchSize;
        // A batch within the budget stays whole and in batch order: the same forward as without a budget, bit for bit.
        bool whole = maxPairs >= n && 2L * n * Enumerable.Range(0, n).Max(Length) <= MaxTokensPerMicroBatch;
        var order = whole ? Enumerable.Range(0, n).ToArray() : Enumerable.Range(0, n).OrderByDescending(Length).ThenBy(i => i).ToArray();

        // Plan the cuts: each cut is padded to its widest pair.
        var cuts = new List<(int Start, int Count, int Width, long Offset)>();
        long offset = 0;
        for (int start = 0; start < n;)
        {
            int width = Length(order[start]);
            int count = 1;
            // Sorted longest first the first pair sets the width; a whole batch in batch order takes its widest pair.
            while (start + count < n && count < maxPairs && 2L * (count + 1) * Math.Max(width, Length(order[start + count])) <= MaxTokensPerMicroBatch)
            {
                width = Math.Max(width, Length(order[start + count]));
                count++;
            }
            cuts.Add((start, count, width, offset));
            offset += 2L * count * width;
            start += count;
        }

        // Ids then mask for every cut, right-padded as ConditionedRewardModel.Collate pads them.
        var host = new long[2 * offset];
        Array.Fill(host, Model.Encoder.PadId, 0, (int)offset);
        foreach (var (start, count, width, at) in cuts)
        {
            for (int row = 0; row < 2 * count; row++)
            {
                var ids = encodings[(row < count ? 0 : n) + order[start + row % count]].TokenIds;
                long rowAt = at + (long)row * width;
                for (int j = 0; j < ids.Count; j++)
                {
                    host[rowAt + j] = ids[j];
                    host[offset + rowAt + j] = 1;
                }
            }
        }

        using var uploaded = tensor(host, [2, offset], ScalarType.Int64, Model.Model.Device);
        LastMicroBatches = cuts.Count;
        LastPeakTokens = 0;
        foreach (var (_, count, width, at) in cuts)
        {
            cancellationToken.ThrowIfCancellationRequested();
            using (var scope = NewDisposeScope())
            {
                long size = 2L * count * width;
                var ids = uploaded[0].narrow(0, at, size).view(2 * count, width);
                var mask = uploaded[1].narrow(0, at, size).view(2 * count, width);
                var rewards = Model.Model.Forward(ids, mask);
                var chosen = rewards.narrow(0, 0, count);
                var rejected = rewards.narrow(0, count, count);
                Accumulate(ConditionedRewardModel.BradleyTerryLoss(chosen, rejected, LabelSmoothing), chosen, rejected, (double)count / n, totals);
            }

            LastPeakTokens = Math.Max(LastPeakTokens, 2L * count * width);
        }

        return encodings.Count(e => e.Truncated);
    }

    private static string TrainableFile(string name) => name + ".trainable.safetensors";
}
