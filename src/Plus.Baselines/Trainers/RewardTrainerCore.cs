using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Data;
using Plus.Metrics;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// What <see cref="DplTrainer"/> and <see cref="VplTrainer"/> do alike around their own model and step, written once:
/// the guards, running on the factory's model on the thread pool (disposing it on failure when owned), seeding and
/// hashing the base model, the learning rate, loop settings, schedule and AdamW settings from
/// <see cref="BradleyTerryOptions"/>, and the <see cref="TrainingLoop"/> run with the truncation notices, the step's
/// bookkeeping, <c>pairs_per_second</c> and the evaluation. Each trainer keeps what is its own: the model it builds,
/// its step (reached through <see cref="StepCalls"/>), the extra options JSON and the trained model it returns.
/// </summary>
/// <remarks>Immutable; the training options are passed to each call, so a run reads them when it starts, as before.</remarks>
internal sealed class RewardTrainerCore
{
    private readonly string _method;
    private readonly Func<ConditionedRewardModel> _modelFactory;
    private readonly Func<PreferenceExample, UserConditioning> _condition;
    private readonly ILogger? _logger;
    private readonly TimeProvider? _timeProvider;

    /// <summary>Creates the shared part of one trainer.</summary>
    /// <param name="method">The method name (<see cref="PreferenceMethods"/>): loop settings, notices, options JSON and the evaluation log line.</param>
    /// <param name="modelFactory">Builds the base model; called once per run.</param>
    /// <param name="condition">What the reward model sees of the user for an example (training and evaluation alike).</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The loop's clock; null uses the system clock.</param>
    /// <param name="ownsModels">True when the returned model should dispose the factory's model.</param>
    public RewardTrainerCore(
        string method, Func<ConditionedRewardModel> modelFactory, Func<PreferenceExample, UserConditioning> condition, ILogger? logger, TimeProvider? timeProvider, bool ownsModels)
    {
        _method = method;
        _modelFactory = modelFactory;
        _condition = condition;
        _logger = logger;
        _timeProvider = timeProvider;
        OwnsModels = ownsModels;
    }

    /// <summary>True when the returned model should dispose the factory's model.</summary>
    public bool OwnsModels { get; }

    /// <summary>The constructors' guard: both arguments set and the options valid.</summary>
    /// <typeparam name="TOptions">The trainer's options.</typeparam>
    /// <param name="options">The options.</param>
    /// <param name="modelFactory">The model factory.</param>
    /// <returns><paramref name="options"/> (not copied).</returns>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public static TOptions Validated<TOptions>(TOptions options, Func<ConditionedRewardModel> modelFactory)
        where TOptions : class, IValidatableOptions
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelFactory);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        return options;
    }

    /// <summary>The runs' first guard: at least one training example.</summary>
    /// <param name="train">The training examples.</param>
    public static void RequireExamples(IReadOnlyList<PreferenceExample> train)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("There are no training examples.", nameof(train));
    }

    /// <summary>
    /// Builds the factory's model and runs <paramref name="run"/> on it on the thread pool; when that fails (or is
    /// cancelled before it starts) the model is disposed if owned.
    /// </summary>
    /// <typeparam name="TModel">The trained model.</typeparam>
    /// <param name="eval">The evaluation examples; <paramref name="run"/> gets null when there are none.</param>
    /// <param name="run">Trains on the base model with the evaluation examples or null.</param>
    /// <param name="cancellationToken">Passed to <see cref="Task.Run(Action, CancellationToken)"/>.</param>
    /// <returns>What <paramref name="run"/> returned.</returns>
    public async Task<TModel> RunOnNewModelAsync<TModel>(
        IReadOnlyList<PreferenceExample>? eval, Func<ConditionedRewardModel, IReadOnlyList<PreferenceExample>?, TModel> run, CancellationToken cancellationToken)
    {
        var baseModel = _modelFactory() ?? throw new InvalidOperationException("The model factory returned null.");
        try
        {
            return await Task.Run(() => run(baseModel, eval is { Count: > 0 } ? eval : null), cancellationToken).ConfigureAwait(false);
        }
        catch
        {
            if (OwnsModels) baseModel.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Seeds the run, then puts a frozen backbone in eval mode, hashes the base model (its folder when it has one, else
    /// its weights) and, for a trained backbone, enables <see cref="BradleyTerryOptions.Lora"/> when set and not yet on.
    /// </summary>
    /// <param name="o">The training options.</param>
    /// <param name="baseModel">The factory's model.</param>
    /// <param name="trainsBackbone">True when the backbone is trained (DPL); false when it stays frozen (VPL).</param>
    /// <returns>The seed and the base model's hash.</returns>
    public static (int Seed, string BaseHash) Start(BradleyTerryOptions o, ConditionedRewardModel baseModel, bool trainsBackbone)
    {
        int seed = o.EffectiveSeed;
        Seeding.Seed(seed);
        if (!trainsBackbone) baseModel.Model.eval();
        string baseHash = baseModel.Model.SourceDirectory is { } source ? ContentHash.OfModelFolder(source) : ContentHash.OfModule(baseModel.Model);
        if (trainsBackbone && o.Lora is not null && baseModel.Model.Lora is null) baseModel.Model.EnableLora(o.Lora, Seeding.Derive(seed, -1));
        return (seed, baseHash);
    }

    /// <summary>The learning rate, options JSON, loop settings (with the run's fingerprint), schedule and AdamW settings of a run.</summary>
    /// <param name="o">The training options.</param>
    /// <param name="train">The training examples.</param>
    /// <param name="hasEval">Whether there are evaluation examples.</param>
    /// <param name="seed">The run's seed (<see cref="Start"/>).</param>
    /// <param name="baseHash">The base model's hash (<see cref="Start"/>).</param>
    /// <param name="trainableParameters">How many parameters are optimized (for the preset learning rate).</param>
    /// <param name="optionsJson">The trainer's options JSON for a learning rate.</param>
    /// <returns>The plan.</returns>
    public RunPlan Plan(
        BradleyTerryOptions o, IReadOnlyList<PreferenceExample> train, bool hasEval, int seed, string baseHash, long trainableParameters, Func<double, JsonObject> optionsJson)
    {
        double learningRate = o.EffectiveLearningRate(trainableParameters);
        var json = optionsJson(learningRate);
        var settings = o.ToLoopSettings(_method, train.Count, seed, hasEval,
            new RunFingerprint(DatasetFingerprint.Of(train), RunFingerprint.HashOptions(json), baseHash));
        var schedule = new LearningRateSchedule(learningRate, settings.TotalSteps, o.WarmupFraction, o.MinLearningRateRatio);
        var adam = new AdamWSettings { LearningRate = learningRate, Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon, WeightDecay = o.WeightDecay };
        return new RunPlan(json, settings, schedule, adam);
    }

    /// <summary>Runs the shared <see cref="TrainingLoop"/> over the training examples with the trainer's step.</summary>
    /// <param name="plan">The run's plan.</param>
    /// <param name="baseModel">The factory's model (its encoder and position limit feed the truncation notices).</param>
    /// <param name="train">The training examples.</param>
    /// <param name="eval">The evaluation examples, or null.</param>
    /// <param name="calls">The trainer's step.</param>
    /// <param name="progress">Receives a report after every step and the notices.</param>
    /// <param name="cancellationToken">Stops the loop.</param>
    /// <returns>The run's metadata.</returns>
    public TrainingMetadata Loop(
        RunPlan plan, ConditionedRewardModel baseModel, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval,
        StepCalls calls, IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var notices = new RewardTruncationNotices(
            new ProgressReporter(calls.Stage, plan.Settings.TotalSteps, progress, _logger), _method, baseModel.Encoder, baseModel.Model.Config.MaxPositionEmbeddings);
        var pairs = train.Select(e => new ConditionedPair(e.Target, _condition(e))).ToArray();
        var result = new TrainingLoop(plan.Settings, _logger, _timeProvider).Run(new StepTask(this, calls, pairs, eval, notices), progress, cancellationToken);
        return result.ToMetadata(plan.Settings);
    }

    /// <summary>What <see cref="Plan"/> worked out for a run.</summary>
    /// <param name="OptionsJson">The options JSON (fingerprinted and saved with the model).</param>
    /// <param name="Settings">The loop's settings.</param>
    /// <param name="Schedule">The learning-rate schedule.</param>
    /// <param name="Adam">The optimizer's settings.</param>
    internal sealed record RunPlan(JsonObject OptionsJson, TrainingLoopSettings Settings, LearningRateSchedule Schedule, AdamWSettings Adam);

    /// <summary>A trainer's step as the loop uses it.</summary>
    /// <param name="Stage">The stage named in progress and errors.</param>
    /// <param name="CheckpointName">The step's name in checkpoints.</param>
    /// <param name="Track">Records the last checkpoint and the steps taken before each step (named in a non-finite loss error).</param>
    /// <param name="Train">Trains on a batch and returns its metrics (with <c>truncated</c>).</param>
    /// <param name="Save">Writes the step's state under a name.</param>
    /// <param name="Load">Reads the step's state under a name.</param>
    /// <param name="Predict">The chosen response's probability per pair.</param>
    internal sealed record StepCalls(
        string Stage,
        string CheckpointName,
        Action<string?, int> Track,
        Func<IReadOnlyList<ConditionedPair>, CancellationToken, Dictionary<string, double>> Train,
        Action<CheckpointWriter, string> Save,
        Action<CheckpointReader, string> Load,
        Func<IReadOnlyList<ConditionedPair>, CancellationToken, IReadOnlyList<double>> Predict);

    private sealed class StepTask(RewardTrainerCore core, StepCalls calls, ConditionedPair[] train, IReadOnlyList<PreferenceExample>? eval, RewardTruncationNotices notices) : ITrainingTask
    {
        public string Stage => calls.Stage;

        public IReadOnlyDictionary<string, double> Step(TrainingStepContext context, CancellationToken cancellationToken)
        {
            calls.Track(context.LastCheckpoint, context.Step);
            var batch = context.Batch.Select(i => train[i]).ToArray();
            var watch = Stopwatch.StartNew();
            var values = calls.Train(batch, cancellationToken);
            values["pairs_per_second"] = batch.Length / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            notices.AfterStep(context.Step, values["truncated"]);
            return values;
        }

        public void Save(CheckpointWriter writer) => calls.Save(writer, calls.CheckpointName);

        public void Load(CheckpointReader reader) => calls.Load(reader, calls.CheckpointName);

        public IReadOnlyDictionary<string, double> Evaluate(CancellationToken cancellationToken)
        {
            var probabilities = calls.Predict([.. eval!.Select(e => new ConditionedPair(e.Target, core._condition(e)))], cancellationToken);
            var report = PreferenceAccuracy.Compute(eval!, probabilities);
            if (core._logger is not null && core._logger.IsEnabled(LogLevel.Information))
                core._logger.LogInformation("{Method}: eval accuracy {Accuracy:P1}", core._method, report.Accuracy);
            return BradleyTerryTrainer.EvaluationMetrics(report);
        }
    }
}
