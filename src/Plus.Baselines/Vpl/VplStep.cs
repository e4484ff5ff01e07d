using Plus.Torch.Reward;
using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Baselines.Vpl;

/// <summary>
/// One VPL optimizer step on a batch of context-conditioned pairs, shaped like Plus.Torch's
/// <see cref="BradleyTerryStep"/> so that any training loop can drive it.
/// </summary>
/// <remarks>
/// <para><see cref="Step"/>: put the network in train mode; zero the gradients; set the learning rate from
/// <see cref="Schedule"/> at <see cref="StepsTaken"/>; one forward of the whole batch (the backbone is frozen, so its
/// embeddings come from the cache); loss <c>mean(softplus(r_r − r_c)) + w·anneal(step)·KL</c> with w
/// <see cref="VplOptions.KlWeight"/> and <see cref="Annealer"/>; stop with <see cref="NonFiniteLossException"/> on a
/// NaN/∞ loss or gradient norm before any weight changes; clip to <see cref="MaxGradNorm"/>; AdamW step over the
/// network's parameters only (the shared <see cref="GuardedOptimizerStep"/> with its <see cref="MultiTensorAdamW"/>).</para>
/// <para>The annealer's cycle is <c>⌈TotalSteps / AnnealCycles⌉</c> steps of the schedule. ε comes from a generator
/// seeded with <see cref="VplOptions.Seed"/>; its state is not saved, so a resumed run draws different noise.
/// Not thread-safe. Disposing disposes the optimizer and the generator, not the model.</para>
/// </remarks>
public sealed class VplStep : IDisposable
{
    /// <summary>The default stage name in progress reports and errors: <c>vpl-train</c>.</summary>
    public const string DefaultStage = "vpl-train";

    private readonly GuardedOptimizerStep _update;
    private readonly Generator _noise;

    /// <summary>Creates the step over the network's parameters.</summary>
    /// <param name="model">The VPL reward model to train.</param>
    /// <param name="options">KL weight and annealing; its sizes must match the network's.</param>
    /// <param name="optimizer">AdamW hyper-parameters (the learning rate is the schedule's peak, which wins).</param>
    /// <param name="schedule">The learning-rate schedule (its total steps also set the annealing cycle).</param>
    /// <param name="maxGradNorm">Clip the global gradient norm to this, &gt; 0 (default 1.0).</param>
    /// <exception cref="ArgumentException">The options' sizes differ from the network's.</exception>
    public VplStep(VplRewardModel model, VplOptions options, AdamWSettings optimizer, LearningRateSchedule schedule, double maxGradNorm = 1.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(optimizer);
        ArgumentNullException.ThrowIfNull(schedule);
        options.Validate();
        if (!(maxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxGradNorm), maxGradNorm, "The gradient clipping norm must be positive.");
        if (options.LatentSize != model.Network.LatentSize || options.HiddenSize != model.Network.HiddenSize)
        {
            throw new ArgumentException(
                $"{nameof(VplOptions)} says latent {options.LatentSize} / hidden {options.HiddenSize} but the network has latent {model.Network.LatentSize} / hidden {model.Network.HiddenSize}.",
                nameof(options));
        }

        if (options.ClampMean != model.Network.ClampMean)
        {
            throw new ArgumentException($"{nameof(VplOptions)}.{nameof(VplOptions.ClampMean)} is {options.ClampMean} but the network was built with clampMean {model.Network.ClampMean}.", nameof(options));
        }

        Model = model;
        Options = options;
        Annealer = new CyclicCosineAnnealer(Math.Max(1, (schedule.TotalSteps + options.AnnealCycles - 1) / options.AnnealCycles), options.AnnealBaseline);
        _update = new GuardedOptimizerStep(model.Network, optimizer, schedule, DefaultStage, maxGradNorm);
        _noise = new Generator(unchecked((ulong)options.Seed), CPU);
    }

    /// <summary>The model being trained.</summary>
    public VplRewardModel Model { get; }

    /// <summary>KL weight and annealing.</summary>
    public VplOptions Options { get; }

    /// <summary>The KL annealing schedule.</summary>
    public CyclicCosineAnnealer Annealer { get; }

    /// <summary>The optimizer (<see cref="MultiTensorAdamW"/> over the network's parameters).</summary>
    public optim.Optimizer Optimizer => _update.Optimizer;

    /// <summary>The learning-rate schedule.</summary>
    public LearningRateSchedule Schedule => _update.Schedule;

    /// <summary>The clipping norm.</summary>
    public double MaxGradNorm => _update.MaxGradNorm;

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

    /// <summary>Trains on one batch (see the class remarks).</summary>
    /// <param name="batch">The pairs, each conditioned on its user's context (at least one pair).</param>
    /// <param name="cancellationToken">Checked before the forward and before the update; a cancelled step changes no weight.</param>
    /// <returns>The losses, KL, accuracy, gradient norm and learning rate of the step, and how many texts it embedded for the first time had to be cut.</returns>
    /// <exception cref="NonFiniteLossException">The loss or the gradient norm is NaN or infinite; no weight was changed.</exception>
    /// <exception cref="OperationCanceledException">Cancelled before the optimizer step.</exception>
    public VplStepResult Step(IReadOnlyList<ConditionedPair> batch, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Count == 0) throw new ArgumentException("A batch needs at least one pair.", nameof(batch));
        cancellationToken.ThrowIfCancellationRequested();
        Model.Network.train();
        double lr = _update.Begin();
        double klWeight = Options.KlWeight * Annealer.At(StepsTaken);
        long cutBefore = Model.Embedder.Encoder.Statistics.Truncated;
        double[] host;
        using (var scope = NewDisposeScope())
        {
            var output = Model.ForwardPairs(batch, _noise, cancellationToken);
            var bt = nn.functional.softplus(output.Rejected - output.Chosen).mean();
            var kl = VplMath.GaussianKl(output.Mean, output.LogVariance);
            var loss = klWeight > 0 ? bt + kl * klWeight : bt;
            loss.backward();
            var correct = output.Chosen.detach().gt(output.Rejected.detach()).sum().to(ScalarType.Float32);
            host = stack([loss.detach(), bt.detach(), kl.detach(), correct]).to(ScalarType.Float64).cpu().data<double>().ToArray();
        }

        // Texts are embedded once (cached): a step counts the cuts of the texts it embedded for the first time.
        int truncated = (int)(Model.Embedder.Encoder.Statistics.Truncated - cutBefore);
        double norm = _update.Complete(host[0], "vpl_loss", cancellationToken);
        return new VplStepResult(StepsTaken, host[0], host[1], host[2], klWeight, host[3] / batch.Count, norm, lr, batch.Count, truncated);
    }

    /// <summary>
    /// Writes the network's parameters (<c>{name}.trainable.safetensors</c>, see <see cref="VplNetwork.Save"/>) and the
    /// optimizer state (<c>{name}.optimizer.bin</c>) into a checkpoint being written.
    /// </summary>
    /// <param name="writer">The checkpoint writer from <see cref="CheckpointStore.Save"/>.</param>
    /// <param name="name">The model's name in the checkpoint (default <c>vpl</c>).</param>
    public void Save(CheckpointWriter writer, string name = "vpl")
    {
        ArgumentNullException.ThrowIfNull(writer);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        Model.Network.Save(writer.GetPath(TrainableFile(name)));
        _update.Save(writer, name);
    }

    /// <summary>Restores the network's parameters and the optimizer state saved by <see cref="Save"/>.</summary>
    /// <param name="reader">The checkpoint.</param>
    /// <param name="name">The model's name in the checkpoint (default <c>vpl</c>).</param>
    /// <exception cref="InvalidDataException">The file is missing, or a parameter is missing, extra or mis-shaped; the message names the file and the parameter.</exception>
    public void Load(CheckpointReader reader, string name = "vpl")
    {
        ArgumentNullException.ThrowIfNull(reader);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string path = reader.GetPath(TrainableFile(name));
        if (!File.Exists(path)) throw new InvalidDataException($"Checkpoint '{reader.Directory}' has no '{TrainableFile(name)}'.");
        Model.Network.Load(path);
        _update.Load(reader, name);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _update.Dispose();
        _noise.Dispose();
    }

    private static string TrainableFile(string name) => name + ".trainable.safetensors";
}
