using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Baselines.Dpl;
using Plus.Baselines.Persistence;
using Plus.Data;
using Plus.Metrics;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// Trains DPL (distributional preference learning): a reward model with a multi-output head
/// (<see cref="DplRewardModel"/>) on each example's target pair without user information, with the DPL loss of
/// <see cref="DplTrainerOptions.Head"/>, in Plus.Torch's shared <see cref="TrainingLoop"/> (seeded order, progress with
/// ETA, metrics JSONL, evaluation <c>eval_accuracy</c>/<c>eval_accuracy_{group}</c>, checkpoints, fingerprinted resume,
/// cancellation). Returns a <see cref="DplTrainedModel"/>.
/// </summary>
/// <remarks>Instances are immutable; concurrent <see cref="TrainAsync"/> calls must use different checkpoint folders.</remarks>
public sealed class DplTrainer : IPreferenceTrainer
{
    private const string CheckpointName = "dpl";
    private readonly Func<ConditionedRewardModel> _modelFactory;
    private readonly ILogger? _logger;
    private readonly TimeProvider? _timeProvider;
    private readonly bool _ownsModels;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The options (validated here and copied).</param>
    /// <param name="modelFactory">Builds the backbone to train (its scalar head is unused); called once per <see cref="TrainAsync"/>.</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA; null uses the system clock.</param>
    /// <param name="ownsModels">True when the returned model should dispose the factory's model (DI); false when the caller keeps owning it.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public DplTrainer(DplTrainerOptions options, Func<ConditionedRewardModel> modelFactory, ILogger<DplTrainer>? logger = null, TimeProvider? timeProvider = null, bool ownsModels = true)
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
    public string Name => PreferenceMethods.Dpl;

    /// <summary>A copy of the options in use.</summary>
    public DplTrainerOptions Options { get; }

    /// <inheritdoc />
    public async Task<ITrainedPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await TrainModelAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>Trains and returns the typed model (see <see cref="TrainAsync"/>).</summary>
    /// <param name="train">Training examples; each contributes its target pair.</param>
    /// <param name="eval">Optional held-out examples for evaluation.</param>
    /// <param name="progress">Receives a report after every step and notices such as a resume.</param>
    /// <param name="cancellationToken">Stops at any point; the last completed step is checkpointed when checkpointing is on.</param>
    /// <returns>The trained model; the caller disposes it.</returns>
    /// <exception cref="NonFiniteLossException">The loss or gradient norm became NaN/∞.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds a run with other data, options or base model.</exception>
    public async Task<DplTrainedModel> TrainModelAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("There are no training examples.", nameof(train));
        var baseModel = _modelFactory() ?? throw new InvalidOperationException("The model factory returned null.");
        try
        {
            return await Task.Run(() => Run(baseModel, train, eval is { Count: > 0 } ? eval : null, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (_ownsModels) baseModel.Dispose();
            throw;
        }
    }

    private DplTrainedModel Run(
        ConditionedRewardModel baseModel, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var o = Options.Training;
        int seed = o.EffectiveSeed;
        Seeding.Seed(seed);
        string baseHash = baseModel.Model.SourceDirectory is { } source ? ContentHash.OfModelFolder(source) : ContentHash.OfModule(baseModel.Model);
        if (o.Lora is not null && baseModel.Model.Lora is null) baseModel.Model.EnableLora(o.Lora, Seeding.Derive(seed, -1));
        var model = new DplRewardModel(baseModel, Options.Head, Seeding.Derive(seed, -2), ownsBaseModel: false);
        try
        {
            long parameters = model.TrainableParameters().Sum(p => p.Parameter.numel());
            double learningRate = o.EffectiveLearningRate(parameters);
            var optionsJson = OptionsJson(baseModel, learningRate, seed);
            var settings = o.ToLoopSettings(Name, train.Count, seed, eval is not null,
                new RunFingerprint(DatasetFingerprint.Of(train), RunFingerprint.HashOptions(optionsJson), baseHash));
            var schedule = new LearningRateSchedule(learningRate, settings.TotalSteps, o.WarmupFraction, o.MinLearningRateRatio);
            var adam = new AdamWSettings { LearningRate = learningRate, Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon, WeightDecay = o.WeightDecay };
            using var step = new DplStep(model, adam, schedule, o.MaxGradNorm, o.MicroBatchSize);
            var notices = new RewardTruncationNotices(
                new ProgressReporter(DplStep.DefaultStage, settings.TotalSteps, progress, _logger), Name, baseModel.Encoder, baseModel.Model.Config.MaxPositionEmbeddings);
            var pairs = train.Select(e => new ConditionedPair(e.Target, UserConditioning.None)).ToArray();
            var result = new TrainingLoop(settings, _logger, _timeProvider).Run(new StepTask(this, step, pairs, eval, _logger, notices), progress, cancellationToken);
            baseModel.Model.eval();
            var metadata = result.ToMetadata(settings);
            return new DplTrainedModel(model, metadata, optionsJson, _ownsModels ? [model, baseModel] : [model]);
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
        var head = Options.Head;
        json["variant"] = head.Variant.ToString();
        json["variance_penalty"] = head.VariancePenalty;
        json["atoms"] = head.Atoms;
        json["entropy_bonus"] = head.EntropyBonus;
        return json;
    }

    private sealed class StepTask(DplTrainer trainer, DplStep step, ConditionedPair[] train, IReadOnlyList<PreferenceExample>? eval, ILogger? logger, RewardTruncationNotices notices) : ITrainingTask
    {
        public string Stage => DplStep.DefaultStage;

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
            var predictions = step.Model.Predict([.. eval!.Select(e => new ConditionedPair(e.Target, UserConditioning.None))], cancellationToken);
            var report = PreferenceAccuracy.Compute(eval!, [.. predictions.Select(p => p.ChosenProbability)]);
            if (logger is not null && logger.IsEnabled(LogLevel.Information))
                logger.LogInformation("{Method}: eval accuracy {Accuracy:P1}", trainer.Name, report.Accuracy);
            return BradleyTerryTrainer.EvaluationMetrics(report);
        }
    }
}
