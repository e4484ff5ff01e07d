using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Data;
using Plus.Inference;
using Plus.Metrics;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Torch.Training;

/// <summary>
/// Trains a reward model with the Bradley-Terry loss <c>−log σ(r_c − r_r)</c> on each example's target pair, under the
/// conditioning of <see cref="BradleyTerryOptions.Kind"/>: one class for BTL (none), ICL (the user's past pairs in the
/// prompt) and Oracle (the true preference text).
/// </summary>
/// <remarks>
/// <para>Each <see cref="TrainAsync"/> builds a fresh model with the factory given at construction (adding a LoRA
/// adapter when <see cref="BradleyTerryOptions.Lora"/> is set), then runs <see cref="BradleyTerryStep"/> in the shared
/// <see cref="TrainingLoop"/>: seeded order, progress (loss, accuracy, margin, gradient norm, learning rate, pairs per
/// second, truncations; ETA), metrics JSONL, evaluation on the held-out examples (<c>eval_accuracy</c>,
/// <c>eval_accuracy_{group}</c>) every <see cref="BradleyTerryOptions.EvalEvery"/> steps and at the end, checkpoints,
/// resume guarded by the run's fingerprint (data, options, base model) and cancellation at any point.</para>
/// <para>Instances are immutable; concurrent <see cref="TrainAsync"/> calls must use different checkpoint folders.</para>
/// </remarks>
public sealed class BradleyTerryTrainer : IPreferenceTrainer
{
    private const string ModelName = "reward";
    private readonly Func<ConditionedRewardModel> _modelFactory;
    private readonly ILogger? _logger;
    private readonly TimeProvider? _timeProvider;
    private readonly bool _ownsModels;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The options (validated here and copied).</param>
    /// <param name="modelFactory">Builds the reward model to train; called once per <see cref="TrainAsync"/>.</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA; null uses the system clock.</param>
    /// <param name="ownsModels">True when the returned model should dispose the factory's model (DI); false when the caller keeps owning it.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public BradleyTerryTrainer(
        BradleyTerryOptions options,
        Func<ConditionedRewardModel> modelFactory,
        ILogger<BradleyTerryTrainer>? logger = null,
        TimeProvider? timeProvider = null,
        bool ownsModels = true)
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
    public string Name => Options.EffectiveName;

    /// <summary>The conditioning the reward model is trained with.</summary>
    public ConditioningKind Kind => Options.Kind;

    /// <summary>A copy of the options in use.</summary>
    public BradleyTerryOptions Options { get; }

    /// <inheritdoc />
    public async Task<ITrainedPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train,
        IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        await TrainModelAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>Trains and returns the typed model (see <see cref="TrainAsync"/>).</summary>
    /// <param name="train">Training examples; each contributes its target pair.</param>
    /// <param name="eval">Optional held-out examples for evaluation.</param>
    /// <param name="progress">Receives a report after every step (synchronously, on the training thread) and notices such as a resume.</param>
    /// <param name="cancellationToken">Stops at any point; the last completed step is checkpointed when checkpointing is on.</param>
    /// <returns>The trained method; the caller disposes it.</returns>
    /// <exception cref="NonFiniteLossException">The loss or gradient norm became NaN/∞.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds a run with other data, options or base model.</exception>
    public async Task<TrainedModel> TrainModelAsync(
        IReadOnlyList<PreferenceExample> train,
        IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("There are no training examples.", nameof(train));
        var model = _modelFactory() ?? throw new InvalidOperationException("The model factory returned null.");
        try
        {
            return await Task.Run(() => Run(model, train, eval is { Count: > 0 } ? eval : null, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (_ownsModels) model.Dispose();
            throw;
        }
    }

    private TrainedModel Run(
        ConditionedRewardModel model, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var o = Options;
        int seed = o.EffectiveSeed;
        Seeding.Seed(seed);
        string baseModel = model.Model.SourceDirectory is { } source ? ContentHash.OfModelFolder(source) : ContentHash.OfModule(model.Model);
        long parameters = model.Model.parameters().Sum(p => p.numel());
        double learningRate = o.EffectiveLearningRate(parameters);
        if (o.Lora is not null && model.Model.Lora is null) model.Model.EnableLora(o.Lora, Seeding.Derive(seed, -1));
        var (trainConditioning, _) = PreferenceConditioning.ConditionAsync(train, Kind, null, cancellationToken: cancellationToken).GetAwaiter().GetResult();
        var optionsJson = OptionsJson(model, learningRate, seed);
        var settings = o.ToLoopSettings(Name, train.Count, seed, eval is not null,
            new RunFingerprint(DatasetFingerprint.Of(train), RunFingerprint.HashOptions(optionsJson), baseModel)) with { Order = TrainingOrder.Shuffle };
        var schedule = new LearningRateSchedule(learningRate, settings.TotalSteps, o.WarmupFraction, o.MinLearningRateRatio);
        var adam = new AdamWSettings { LearningRate = learningRate, Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon, WeightDecay = o.WeightDecay };
        using var step = new BradleyTerryStep(model, adam, schedule, o.MaxGradNorm, o.MicroBatchSize) { MaxTokensPerMicroBatch = o.MaxTokensPerMicroBatch, LabelSmoothing = o.LabelSmoothing };
        var notices = new ProgressReporter(BradleyTerryStep.DefaultStage, settings.TotalSteps, progress, _logger);
        var task = new StepTask(this, step, train, trainConditioning, eval, o.EvalBatchSize, notices);
        var result = new TrainingLoop(settings, _logger, _timeProvider).Run(task, progress, cancellationToken);
        model.Model.HeadTrained = true;
        model.Model.eval();
        return new TrainedModel(new TrainedModelParts
        {
            Name = Name,
            Conditioning = Kind,
            RewardModel = model,
            Metadata = result.ToMetadata(settings),
            TrainingOptions = optionsJson,
            Owned = _ownsModels ? [model] : [],
        });
    }

    private JsonObject OptionsJson(ConditionedRewardModel model, double learningRate, int seed)
    {
        var json = Options.ToRunJson(Name, model, learningRate, seed);
        json["kind"] = Options.Kind.ToString();
        return json;
    }

    /// <summary>Accuracy of <paramref name="model"/> on examples under their conditioning (no gradients), through <see cref="ConditionedPreferenceModel"/>.</summary>
    /// <param name="model">The reward model.</param>
    /// <param name="examples">The examples.</param>
    /// <param name="kind">The conditioning.</param>
    /// <param name="batchSize">Reward queries per forward.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>Accuracy overall and per group.</returns>
    public static AccuracyReport Evaluate(
        ConditionedRewardModel model, IReadOnlyList<PreferenceExample> examples, ConditioningKind kind, int batchSize = 64, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        var evaluation = new ConditionedPreferenceModel(null, model, new ConditionedPreferenceModelOptions { Name = PreferenceMethods.ForConditioning(kind), Kind = kind, RewardBatchSize = Math.Max(2, batchSize) });
        var probabilities = evaluation.PredictChosenProbabilitiesAsync(examples, cancellationToken).GetAwaiter().GetResult();
        return PreferenceAccuracy.Compute(examples, probabilities);
    }

    /// <summary>The metrics of an evaluation: <c>eval_accuracy</c> and <c>eval_accuracy_{group}</c>.</summary>
    /// <param name="report">The report.</param>
    /// <returns>The metrics.</returns>
    public static Dictionary<string, double> EvaluationMetrics(AccuracyReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        var values = new Dictionary<string, double>(StringComparer.Ordinal) { ["eval_accuracy"] = report.Accuracy };
        foreach (var (group, accuracy) in report.Groups) values["eval_accuracy_" + group] = accuracy.Accuracy;
        return values;
    }

    private sealed class StepTask(
        BradleyTerryTrainer trainer, BradleyTerryStep step, IReadOnlyList<PreferenceExample> train, IReadOnlyList<UserConditioning> conditioning,
        IReadOnlyList<PreferenceExample>? eval, int evalBatchSize, ProgressReporter notices) : ITrainingTask
    {
        private readonly RewardTruncationNotices _truncation = new(notices, trainer.Name, step.Model.Encoder, step.Model.Model.Config.MaxPositionEmbeddings);

        public string Stage => BradleyTerryStep.DefaultStage;

        public IReadOnlyDictionary<string, double> Step(TrainingStepContext context, CancellationToken cancellationToken)
        {
            step.LastGoodCheckpoint = context.LastCheckpoint;
            step.StepsTaken = context.Step;
            var batch = context.Batch.Select(i => new ConditionedPair(train[i].Target, conditioning[i])).ToArray();
            var watch = Stopwatch.StartNew();
            var values = step.Step(batch, cancellationToken).ToMetrics();
            values["pairs_per_second"] = batch.Length / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            _truncation.AfterStep(context.Step, values["truncated"]);
            return values;
        }

        public void Save(CheckpointWriter writer) => step.Save(writer, ModelName);

        public void Load(CheckpointReader reader) => step.Load(reader, ModelName);

        public IReadOnlyDictionary<string, double> Evaluate(CancellationToken cancellationToken)
        {
            var report = BradleyTerryTrainer.Evaluate(step.Model, eval!, trainer.Kind, evalBatchSize, cancellationToken);
            if (trainer._logger is not null && trainer._logger.IsEnabled(LogLevel.Information))
            {
                string groups = string.Join(", ", report.Groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Value.Accuracy:P1} (n={g.Value.Count})")));
                trainer._logger.LogInformation("{Method}: eval accuracy {Accuracy:P1} [{Groups}]", trainer.Name, report.Accuracy, groups);
            }

            return EvaluationMetrics(report);
        }
    }
}
