using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Baselines.Dpl;
using Plus.Baselines.Persistence;
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
    private readonly RewardTrainerCore _core;

    /// <summary>Creates the trainer.</summary>
    /// <param name="options">The options (validated here and copied).</param>
    /// <param name="modelFactory">Builds the backbone to train (its scalar head is unused); called once per <see cref="TrainAsync"/>.</param>
    /// <param name="logger">Receives progress lines and evaluation results.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA; null uses the system clock.</param>
    /// <param name="ownsModels">True when the returned model should dispose the factory's model (DI); false when the caller keeps owning it.</param>
    /// <exception cref="ArgumentException">The options are invalid; the message lists every problem by option name.</exception>
    public DplTrainer(DplTrainerOptions options, Func<ConditionedRewardModel> modelFactory, ILogger<DplTrainer>? logger = null, TimeProvider? timeProvider = null, bool ownsModels = true)
    {
        Options = RewardTrainerCore.Validated(options, modelFactory).Clone();
        _core = new RewardTrainerCore(Name, modelFactory, static _ => UserConditioning.None, logger, timeProvider, ownsModels);
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
        RewardTrainerCore.RequireExamples(train);
        return await _core.RunOnNewModelAsync(eval, (baseModel, evalOrNull) => Run(baseModel, train, evalOrNull, progress, cancellationToken), cancellationToken).ConfigureAwait(false);
    }

    private DplTrainedModel Run(
        ConditionedRewardModel baseModel, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval,
        IProgress<TrainingProgress>? progress, CancellationToken cancellationToken)
    {
        var o = Options.Training;
        var (seed, baseHash) = RewardTrainerCore.Start(o, baseModel, trainsBackbone: true);
        var model = new DplRewardModel(baseModel, Options.Head, Seeding.Derive(seed, -2), ownsBaseModel: false);
        try
        {
            long parameters = model.TrainableParameters().Sum(p => p.Parameter.numel());
            var plan = _core.Plan(o, train, eval is not null, seed, baseHash, parameters, learningRate => OptionsJson(baseModel, learningRate, seed));
            using var step = new DplStep(model, plan.Adam, plan.Schedule, o.MaxGradNorm, o.MicroBatchSize);
            var calls = new RewardTrainerCore.StepCalls(
                DplStep.DefaultStage, CheckpointName,
                Track: (checkpoint, steps) => { step.LastGoodCheckpoint = checkpoint; step.StepsTaken = steps; },
                Train: (batch, ct) => step.Step(batch, ct).ToMetrics(),
                Save: step.Save,
                Load: step.Load,
                Predict: (pairs, ct) => [.. step.Model.Predict(pairs, ct).Select(p => p.ChosenProbability)]);
            var metadata = _core.Loop(plan, baseModel, train, eval, calls, progress, cancellationToken);
            baseModel.Model.eval();
            return new DplTrainedModel(model, metadata, plan.OptionsJson, _core.OwnsModels ? [model, baseModel] : [model]);
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
}
