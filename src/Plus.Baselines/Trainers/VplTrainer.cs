using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Baselines.Persistence;
using Plus.Baselines.Vpl;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// Trains VPL (variational preference learning): frozen-backbone embeddings (<see cref="VplEmbedder"/>, cached), the
/// user encoder and reward MLP of <see cref="VplNetwork"/>, loss BT + w·anneal·KL (<see cref="VplStep"/>), on each
/// example's target pair conditioned on the user's context, in Plus.Torch's shared <see cref="TrainingLoop"/> (seeded
/// order, progress with ETA, metrics JSONL, evaluation, checkpoints, fingerprinted resume, cancellation). Returns a
/// <see cref="VplTrainedModel"/>.
/// </summary>
/// <remarks>
/// Only the networks are optimized. ε is drawn from a generator seeded with <see cref="VplOptions.Seed"/> whose state
/// is not checkpointed, so a resumed run draws different noise than an uninterrupted one (see <see cref="VplStep"/>).
/// </remarks>
public sealed class VplTrainer : IPreferenceTrainer
{
    private const string CheckpointName = "vpl";
    private readonly RewardTrainerCore _core;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The options (validated here and copied).</param>
    /// <param name="modelFactory">Builds the frozen backbone and text encoder (its scalar head is unused); called once per <see cref="TrainAsync"/>.</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA; null uses the system clock.</param>
    /// <param name="ownsModels">True when the returned model should dispose the factory's model (DI); false when the caller keeps owning it.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public VplTrainer(VplTrainerOptions options, Func<ConditionedRewardModel> modelFactory, ILogger<VplTrainer>? logger = null, TimeProvider? timeProvider = null, bool ownsModels = true)
    {
        Options = RewardTrainerCore.Validated(options, modelFactory).Clone();
        _core = new RewardTrainerCore(Name, modelFactory, static e => UserConditioning.FromContext(e.Context), logger, timeProvider, ownsModels);
    }

    /// <inheritdoc />
    public string Name => PreferenceMethods.Vpl;

    /// <summary>A copy of the options in use.</summary>
    public VplTrainerOptions Options { get; }

    /// <inheritdoc />
    public async Task<ITrainedPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await TrainModelAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>Trains and returns the typed model (see <see cref="TrainAsync"/>).</summary>
    /// <param name="train">Training examples, each with a non-empty context.</param>
    /// <param name="eval">Optional held-out examples for evaluation.</param>
    /// <param name="progress">Receives a report after every step and notices such as a resume.</param>
    /// <param name="cancellationToken">Stops at any point; the last completed step is checkpointed when checkpointing is on.</param>
    /// <returns>The trained model; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">An example has an empty context; the message names it.</exception>
    /// <exception cref="NonFiniteLossException">The loss or gradient norm became NaN/∞.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds a run with other data, options or base model.</exception>
    public async Task<VplTrainedModel> TrainModelAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        RewardTrainerCore.RequireExamples(train);
        for (int i = 0; i < train.Count; i++)
        {
            if (train[i].Context.Pairs.Count == 0)
                throw new ArgumentException($"train[{i}] (user '{train[i].UserId}') has an empty context; VPL infers the user from at least one context pair.", nameof(train));
        }

        return await _core.RunOnNewModelAsync(eval, (backbone, evalOrNull) => Run(backbone, train, evalOrNull, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private VplTrainedModel Run(
        ConditionedRewardModel backbone, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var o = Options.Training;
        var vpl = Options.Vpl;
        var (seed, baseHash) = RewardTrainerCore.Start(o, backbone, trainsBackbone: false);
        var embedder = new VplEmbedder(backbone.Model.Backbone, backbone.Encoder, Options.EmbedBatchSize);
        var network = new VplNetwork(embedder.EmbeddingSize, vpl.LatentSize, vpl.HiddenSize, vpl.Seed, backbone.Model.Device, vpl.ClampMean);
        var model = new VplRewardModel(embedder, network, ownsNetwork: true);
        try
        {
            long parameters = network.parameters().Sum(p => p.numel());
            var plan = _core.Plan(o, train, eval is not null, seed, baseHash, parameters, learningRate => OptionsJson(backbone, learningRate, seed));
            using var step = new VplStep(model, vpl, plan.Adam, plan.Schedule, o.MaxGradNorm);
            var calls = new RewardTrainerCore.StepCalls(
                VplStep.DefaultStage, CheckpointName,
                Track: (checkpoint, steps) => { step.LastGoodCheckpoint = checkpoint; step.StepsTaken = steps; },
                Train: (batch, ct) => step.Step(batch, ct).ToMetrics(),
                Save: step.Save,
                Load: step.Load,
                Predict: step.Model.PredictChosenProbabilities);
            var metadata = _core.Loop(plan, backbone, train, eval, calls, progress, cancellationToken);
            network.eval();
            return new VplTrainedModel(backbone, model, metadata, plan.OptionsJson, _core.OwnsModels ? [model, backbone] : [model]);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private JsonObject OptionsJson(ConditionedRewardModel model, double learningRate, int seed)
    {
        var json = Options.Training.ToRunJson(Name, model, learningRate, seed);
        var v = Options.Vpl;
        json["latent_size"] = v.LatentSize;
        json["hidden_size"] = v.HiddenSize;
        json["kl_weight"] = v.KlWeight;
        json["anneal_cycles"] = v.AnnealCycles;
        json["anneal_baseline"] = v.AnnealBaseline;
        json["clamp_mean"] = v.ClampMean;
        json["vpl_seed"] = v.Seed;
        return json;
    }
}
