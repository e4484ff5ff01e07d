using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Microsoft.Extensions.Logging;
using Plus.Metrics;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Torch.Training;

/// <summary>
/// Trains a reward model with the Bradley-Terry loss <c>−log σ(r_c − r_r)</c> on each example's target pair, under the
/// conditioning of <see cref="BradleyTerryOptions.Kind"/>: one class for BTL (none), ICL (the user's past pairs in the
/// prompt), Oracle (the true preference text) and PLUS-untrained (summaries from a given summarizer).
/// </summary>
/// <remarks>
/// <para>Each <see cref="TrainAsync"/> builds a fresh model with the factory given at construction (adding a LoRA
/// adapter when <see cref="BradleyTerryOptions.Lora"/> is set), then runs <see cref="BradleyTerryStep"/> over
/// shuffled batches: the order of epoch <c>e</c> is drawn from <c>Seeding.CreateRandom(seed, e)</c>, torch's global
/// generator (dropout) is seeded with the seed, so the same seed gives the same run.</para>
/// <para>Every step is reported to the <see cref="IProgress{T}"/> (loss, accuracy, margin, gradient norm, learning
/// rate, pairs per second, truncations; ETA) and logged every <see cref="BradleyTerryOptions.LogEvery"/> steps;
/// evaluation on the held-out examples adds <c>eval_accuracy</c> and <c>eval_accuracy_{group}</c> (e.g.
/// <c>eval_accuracy_controversial</c>).</para>
/// <para>With a <see cref="BradleyTerryOptions.CheckpointDirectory"/>, checkpoints (trainable weights, optimizer, RNG
/// state) are written atomically every <see cref="BradleyTerryOptions.CheckpointEvery"/> steps, at the end, and when
/// cancelled; a later run with the same options and data resumes from the latest one and ends with the weights an
/// uninterrupted run would have. A NaN or infinite loss stops training with <see cref="NonFiniteLossException"/>
/// naming the last good checkpoint, which is left untouched.</para>
/// <para>Instances are immutable; concurrent <see cref="TrainAsync"/> calls must use different checkpoint folders.</para>
/// </remarks>
public sealed partial class BradleyTerryTrainer : IPreferenceTrainer
{
    private const string ModelName = "reward";
    private readonly Func<ConditionedRewardModel> _modelFactory;
    private readonly IUserSummarizer? _summarizer;
    private readonly ILogger? _logger;
    private readonly TimeProvider? _timeProvider;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The options (validated here and copied).</param>
    /// <param name="modelFactory">Builds the reward model to train; called once per <see cref="TrainAsync"/>. The trained model is handed to the returned <see cref="RewardPreferenceModel"/>.</param>
    /// <param name="summarizer">Writes the summaries for <see cref="ConditioningKind.Summary"/>; unused otherwise.</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA; null uses the system clock.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public BradleyTerryTrainer(
        BradleyTerryOptions options,
        Func<ConditionedRewardModel> modelFactory,
        IUserSummarizer? summarizer = null,
        ILogger<BradleyTerryTrainer>? logger = null,
        TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(modelFactory);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        if (options.Kind == ConditioningKind.Summary && summarizer is null)
        {
            throw new ArgumentException($"{BradleyTerryOptions.SectionName}:{nameof(BradleyTerryOptions.Kind)} is Summary, which needs an IUserSummarizer.", nameof(summarizer));
        }

        Options = options.Clone();
        _modelFactory = modelFactory;
        _summarizer = summarizer;
        _logger = logger;
        _timeProvider = timeProvider;
    }

    /// <inheritdoc />
    public string Name => Options.EffectiveName;

    /// <summary>The conditioning the reward model is trained with.</summary>
    public ConditioningKind Kind => Options.Kind;

    /// <summary>A copy of the options in use.</summary>
    public BradleyTerryOptions Options { get; }

    /// <inheritdoc />
    public async Task<IPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train,
        IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default) =>
        await TrainModelAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>Trains and returns the typed model (see <see cref="TrainAsync"/>).</summary>
    /// <param name="train">Training examples; each contributes its target pair.</param>
    /// <param name="eval">Optional held-out examples for evaluation.</param>
    /// <param name="progress">Receives a report after every step (synchronously, on the training thread).</param>
    /// <param name="cancellationToken">Stops between steps; a checkpoint is written first when checkpointing is on.</param>
    /// <returns>The trained method; the caller disposes it (and with it the reward model).</returns>
    /// <exception cref="NonFiniteLossException">The loss or gradient norm became NaN/∞.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds a run with other options or data.</exception>
    public async Task<RewardPreferenceModel> TrainModelAsync(
        IReadOnlyList<PreferenceExample> train,
        IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("There are no training examples.", nameof(train));
        var trainConditioning = await RewardPreferenceModel.ConditionAsync(train, Kind, _summarizer, cancellationToken).ConfigureAwait(false);
        IReadOnlyList<UserConditioning>? evalConditioning = eval is { Count: > 0 }
            ? await RewardPreferenceModel.ConditionAsync(eval, Kind, _summarizer, cancellationToken).ConfigureAwait(false)
            : null;
        var model = _modelFactory() ?? throw new InvalidOperationException("The model factory returned null.");
        try
        {
            await Task.Run(() => Run(model, train, trainConditioning, eval, evalConditioning, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
            return new RewardPreferenceModel(Name, Kind, model, _summarizer);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private void Run(
        ConditionedRewardModel model,
        IReadOnlyList<PreferenceExample> train,
        IReadOnlyList<UserConditioning> trainConditioning,
        IReadOnlyList<PreferenceExample>? eval,
        IReadOnlyList<UserConditioning>? evalConditioning,
        IProgress<TrainingProgress>? progress,
        CancellationToken cancellationToken)
    {
        var o = Options;
        Seeding.Seed(o.Seed);
        if (o.Lora is not null && model.Model.Lora is null) model.Model.EnableLora(o.Lora, Seeding.Derive(o.Seed, -1));
        int stepsPerEpoch = (train.Count + o.BatchSize - 1) / o.BatchSize;
        int total = o.MaxSteps > 0 ? o.MaxSteps : o.Epochs * stepsPerEpoch;
        var schedule = new LearningRateSchedule(o.LearningRate, total, o.WarmupFraction, o.MinLearningRateRatio);
        var adam = new AdamWSettings { LearningRate = o.LearningRate, Beta1 = o.Beta1, Beta2 = o.Beta2, Epsilon = o.Epsilon, WeightDecay = o.WeightDecay };
        using var step = new BradleyTerryStep(model, adam, schedule, o.MaxGradNorm, o.MicroBatchSize);
        var fingerprint = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["train_examples"] = train.Count,
            ["batch_size"] = o.BatchSize,
            ["total_steps"] = total,
            ["kind"] = (int)Kind,
        };

        var store = o.CheckpointDirectory is null ? null : new CheckpointStore(o.CheckpointDirectory, o.KeepCheckpoints);
        int start = 0;
        if (store is not null && o.Resume && store.OpenLatest() is { } reader)
        {
            CheckFingerprint(reader, fingerprint);
            step.Load(reader, ModelName);
            reader.RestoreRngState();
            start = checked((int)reader.State.Step);
            step.StepsTaken = start;
            step.LastGoodCheckpoint = reader.Directory;
            if (_logger is not null) LogResumed(_logger, Name, reader.Directory, start);
        }

        string? metricsPath = o.MetricsPath ?? (o.CheckpointDirectory is null ? null : Path.Combine(o.CheckpointDirectory, "metrics.jsonl"));
        using var metrics = metricsPath is null ? null : new MetricsJsonlWriter(metricsPath, truncateAfterStep: start);
        var reporter = new ProgressReporter(BradleyTerryStep.DefaultStage, total, progress, _logger, o.LogEvery, start, _timeProvider);
        int lastSaved = start;
        int[]? order = null;
        int orderEpoch = -1;
        for (int s = start; s < total; s++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                if (store is not null && s > lastSaved) Save(store, step, s, stepsPerEpoch, fingerprint);
                cancellationToken.ThrowIfCancellationRequested();
            }

            int epoch = s / stepsPerEpoch;
            if (epoch != orderEpoch)
            {
                order = Enumerable.Range(0, train.Count).ToArray();
                Seeding.CreateRandom(o.Seed, epoch).Shuffle(order);
                orderEpoch = epoch;
            }

            int first = s % stepsPerEpoch * o.BatchSize;
            var batch = order!.Skip(first).Take(o.BatchSize).Select(i => new ConditionedPair(train[i].Target, trainConditioning[i])).ToArray();
            var watch = Stopwatch.StartNew();
            BradleyTerryStepResult result;
            try
            {
                result = step.Step(batch, cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                if (store is not null && s > lastSaved) Save(store, step, s, stepsPerEpoch, fingerprint);
                throw;
            }

            var values = result.ToMetrics();
            values["pairs_per_second"] = batch.Length / Math.Max(watch.Elapsed.TotalSeconds, 1e-9);
            values["epoch"] = epoch;
            bool last = result.Step == total;
            if (eval is not null && evalConditioning is not null && (last || (o.EvalEvery > 0 && result.Step % o.EvalEvery == 0)))
            {
                var report = Evaluate(model, eval, evalConditioning, cancellationToken);
                values["eval_accuracy"] = report.Accuracy;
                foreach (var (group, accuracy) in report.Groups) values["eval_accuracy_" + group] = accuracy.Accuracy;
                if (_logger is not null && _logger.IsEnabled(LogLevel.Information))
                {
                    string groups = FormatGroups(report);
                    LogEvaluation(_logger, Name, result.Step, report.Accuracy, groups);
                }
            }

            if (store is not null && (last || (o.CheckpointEvery > 0 && result.Step % o.CheckpointEvery == 0)))
            {
                Save(store, step, result.Step, stepsPerEpoch, fingerprint);
                lastSaved = result.Step;
            }

            // Reported after the checkpoint, so a report always describes a state that is already on disk when due.
            metrics?.Write(result.Step, values, BradleyTerryStep.DefaultStage);
            reporter.Report(result.Step, values);
        }
    }

    /// <summary>Accuracy of <paramref name="model"/> on examples under their conditioning (no gradients).</summary>
    /// <param name="model">The reward model.</param>
    /// <param name="examples">The examples.</param>
    /// <param name="conditioning">One conditioning per example.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>Accuracy overall and per group.</returns>
    public static AccuracyReport Evaluate(
        ConditionedRewardModel model, IReadOnlyList<PreferenceExample> examples, IReadOnlyList<UserConditioning> conditioning, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(conditioning);
        if (examples.Count != conditioning.Count) throw new ArgumentException($"{examples.Count} examples but {conditioning.Count} conditionings.", nameof(conditioning));
        var queries = new RewardQuery[examples.Count * 2];
        for (int i = 0; i < examples.Count; i++)
        {
            var target = examples[i].Target;
            queries[i] = new RewardQuery(target.Prompt, target.Chosen, conditioning[i]);
            queries[examples.Count + i] = new RewardQuery(target.Prompt, target.Rejected, conditioning[i]);
        }

        var scores = model.Score(queries, cancellationToken);
        var probabilities = new double[examples.Count];
        for (int i = 0; i < examples.Count; i++)
        {
            probabilities[i] = 1.0 / (1.0 + Math.Exp(-((double)scores[i] - scores[examples.Count + i])));
        }

        return PreferenceAccuracy.Compute(examples, probabilities);
    }

    private void Save(CheckpointStore store, BradleyTerryStep step, int stepNumber, int stepsPerEpoch, Dictionary<string, double> fingerprint)
    {
        var state = new TrainerState
        {
            Step = stepNumber,
            Epoch = stepNumber / stepsPerEpoch,
            Seed = Options.Seed,
            Values = fingerprint,
            Options = JsonSerializer.SerializeToNode(new { Options.Kind, Options.BatchSize, Options.LearningRate, Options.Epochs, Options.MaxSteps, Options.Seed, Lora = Options.Lora is not null })!.AsObject(),
        };
        string path = store.Save(state, writer =>
        {
            step.Save(writer, ModelName);
            writer.SaveRngState();
        }, CancellationToken.None);
        step.LastGoodCheckpoint = path;
    }

    private static void CheckFingerprint(CheckpointReader reader, Dictionary<string, double> expected)
    {
        foreach (var (key, value) in expected)
        {
            if (!reader.State.Values.TryGetValue(key, out var found) || found != value)
            {
                throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture,
                    $"Checkpoint '{reader.Directory}' belongs to another run ({key} = {(reader.State.Values.TryGetValue(key, out var f) ? f : double.NaN)}, this run has {value}); use another CheckpointDirectory or set Resume = false."));
            }
        }
    }

    private static string FormatGroups(AccuracyReport report) =>
        string.Join(", ", report.Groups.Select(g => string.Create(CultureInfo.InvariantCulture, $"{g.Key} {g.Value.Accuracy:P1} (n={g.Value.Count})")));

    [LoggerMessage(EventId = 2001, Level = LogLevel.Information, Message = "{Method}: resuming from checkpoint '{Checkpoint}' at step {Step}")]
    private static partial void LogResumed(ILogger logger, string method, string checkpoint, int step);

    [LoggerMessage(EventId = 2002, Level = LogLevel.Information, Message = "{Method}: step {Step} eval accuracy {Accuracy:P1} [{Groups}]")]
    private static partial void LogEvaluation(ILogger logger, string method, int step, double accuracy, string groups);
}
