using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Baselines.Persistence;
using Plus.Baselines.Vpl;
using Plus.Data;
using Plus.Metrics;
using Plus.Torch.Persistence;
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
    private readonly Func<ConditionedRewardModel> _modelFactory;
    private readonly ILogger? _logger;
    private readonly TimeProvider? _timeProvider;
    private readonly bool _ownsModels;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The options (validated here and copied).</param>
    /// <param name="modelFactory">Builds the frozen backbone and text encoder (its scalar head is unused); called once per <see cref="TrainAsync"/>.</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA; null uses the system clock.</param>
    /// <param name="ownsModels">True when the returned model should dispose the factory's model (DI); false when the caller keeps owning it.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public VplTrainer(VplTrainerOptions options, Func<ConditionedRewardModel> modelFactory, ILogger<VplTrainer>? logger = null, TimeProvider? timeProvider = null, bool ownsModels = true)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelFactory);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        Options = options.Clone();
        _modelFactory = modelFactory;
        _logger = logger;
        _timeProvider = timeProvider;
        _ownsModels = ownsModels;
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
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("There are no training examples.", nameof(train));
        for (int i = 0; i < train.Count; i++)
        {
            if (train[i].Context.Pairs.Count == 0)
                throw new ArgumentException($"train[{i}] (user '{train[i].UserId}') has an empty context; VPL infers the user from at least one context pair.", nameof(train));
        }

        var backbone = _modelFactory() ?? throw new InvalidOperationException("The model factory returned null.");
        try
        {
            return await Task.Run(() => Run(backbone, train, eval is { Count: > 0 } ? eval : null, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (_ownsModels) backbone.Dispose();
            throw;
        }
    }

    private VplTrainedModel Run(
        ConditionedRewardModel backbone, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var o = Options.Training;
        var vpl = Options.Vpl;
        int seed = o.EffectiveSeed;
        Seeding.Seed(seed);
        backbone.Model.eval();
        string baseHash = backbone.Model.SourceDirectory is { } source ? ContentHash.OfModelFolder(source) : ContentHash.OfModule(backbone.Model);
        var embedder = new VplEmbedder(backbone.Model.Backbone, backbone.Encoder, Options.EmbedBatchSize);
        var network = new VplNetwork(embedder.EmbeddingSize, vpl.LatentSize, vpl.HiddenSize, vpl.Seed, backbone.Model.Device, vpl.ClampMean);
        var model = new VplRewardModel(embedder, network, ownsNetwork: true);
        try
        {
            long parameters = network.parameters().Sum(p => p.numel());
            double learningRate = o.EffectiveLearningRate(parameters);
            var optionsJson = OptionsJson(backbone, learningRate, seed);
            var settings = o.ToLoopSettings(Name, train.Count, seed, eval is not null,
                new RunFingerprint(DatasetFingerprint.Of(train), RunFingerprint.HashOptions(optionsJson), baseHash));
            var schedule = new LearningRateSchedule(learningRate, settings.TotalSteps, o.WarmupFraction, o.MinLearningRateRatio);
            var adam = new AdamWSettings { LearningRate = learningRate, Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon, WeightDecay = o.WeightDecay };
            using var step = new VplStep(model, vpl, adam, schedule, o.MaxGradNorm);
            var notices = new RewardTruncationNotices(
                new ProgressReporter(VplStep.DefaultStage, settings.TotalSteps, progress, _logger), Name, backbone.Encoder, backbone.Model.Config.MaxPositionEmbeddings);
            var pairs = train.Select(e => new ConditionedPair(e.Target, UserConditioning.FromContext(e.Context))).ToArray();
            var result = new TrainingLoop(settings, _logger, _timeProvider).Run(new StepTask(this, step, pairs, eval, _logger, notices), progress, cancellationToken);
            network.eval();
            var metadata = result.ToMetadata(settings);
            return new VplTrainedModel(backbone, model, metadata, optionsJson, _ownsModels ? [model, backbone] : [model]);
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

    private sealed class StepTask(VplTrainer trainer, VplStep step, ConditionedPair[] train, IReadOnlyList<PreferenceExample>? eval, ILogger? logger, RewardTruncationNotices notices) : ITrainingTask
    {
        public string Stage => VplStep.DefaultStage;

        public IReadOnlyDictionary<string, double> Step(TrainingStepContext context, CancellationToken cancellationToken)
        {
            step.LastGoodCheckpoint = context.LastCheckpoint;
            step.StepsTaken = context.Step;
            var batch = context.Batch.Select(i => train[i]).ToArray();
            var watch = Stopwatch.StartNew();
            var values = step.Step(batch, cancellationToken).ToMetrics();
            values["pairs_per_second"] = batch.Length / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            notices.AfterStep(context.Step, values["truncated"]);
            return values;
        }

        public void Save(CheckpointWriter writer) => step.Save(writer, CheckpointName);

        public void Load(CheckpointReader reader) => step.Load(reader, CheckpointName);

        public IReadOnlyDictionary<string, double> Evaluate(CancellationToken cancellationToken)
        {
            var probabilities = step.Model.PredictChosenProbabilities([.. eval!.Select(e => new ConditionedPair(e.Target, UserConditioning.FromContext(e.Context)))], cancellationToken);
            var report = PreferenceAccuracy.Compute(eval!, probabilities);
            if (logger is not null && logger.IsEnabled(LogLevel.Information))
                logger.LogInformation("{Method}: eval accuracy {Accuracy:P1}", trainer.Name, report.Accuracy);
            return BradleyTerryTrainer.EvaluationMetrics(report);
        }
    }
}
