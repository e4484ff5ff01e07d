using System.Diagnostics;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Rl;
using Plus.Torch.Summarization;
using Plus.Torch.Tokenization;
using Plus.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// PLUS co-training (paper Algorithm 1): for each batch of (target pair, user context), sample a summary of the
/// context with the summarizer, reward it with log σ(r(chosen | z) − r(rejected | z)) from the current reward model,
/// update the summarizer with PPO (LoRA actor, per-token KL to the adapter-disabled reference, critic initialised
/// from the reward model, GAE), then update the reward model with the Bradley-Terry loss on the same pairs
/// conditioned on the fresh summaries. With <see cref="PlusTrainerOptions.TrainSummarizer"/> false it is the
/// PLUS-untrained ablation: summaries come from the frozen summarizer and only the reward model learns.
/// </summary>
/// <remarks>
/// The trainer injects a LoRA adapter into the summarizer model it is given (the caller keeps owning the model and
/// the reward model); it owns the adapter's optimizer, the critic and the checkpoints. Not thread-safe: do not
/// generate with the summarizer elsewhere while it trains. Every step runs in a dispose scope.
/// </remarks>
public sealed class PlusTrainer : IPreferenceTrainer, IDisposable
{
    private const string AdapterFolder = "summarizer_adapter";
    private readonly CausalLM _summarizerModel;
    private readonly ConditionedRewardModel _rewardModel;
    private readonly PlusTrainerOptions _options;
    private readonly ILogger? _logger;
    private readonly LoraAdapter? _adapter;
    private ValueModel? _critic;

    /// <summary>Creates a trainer.</summary>
    /// <param name="summarizerModel">The summarizer LM (the policy's base; a LoRA adapter is injected when the summarizer trains).</param>
    /// <param name="tokenizer">The summarizer's tokenizer.</param>
    /// <param name="rewardModel">The summary-conditioned reward model, trained in place.</param>
    /// <param name="options">Options; null for the tiny-model defaults.</param>
    /// <param name="logger">Optional logger for progress and warnings.</param>
    /// <param name="chatFormatter">The summarizer's chat format; null picks it from the tokenizer (ChatML by default).</param>
    public PlusTrainer(
        CausalLM summarizerModel, HfTokenizer tokenizer, ConditionedRewardModel rewardModel,
        PlusTrainerOptions? options = null, ILogger? logger = null, IChatFormatter? chatFormatter = null)
    {
        ArgumentNullException.ThrowIfNull(summarizerModel);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(rewardModel);
        _options = options ?? new PlusTrainerOptions();
        _options.Validate();
        _summarizerModel = summarizerModel;
        _rewardModel = rewardModel;
        _logger = logger;
        if (_options.TrainSummarizer)
        {
            _adapter = LoraAdapter.Inject(summarizerModel, new LoraSettings { Rank = _options.LoraRank, Alpha = _options.LoraAlpha }, _options.Seed);
        }

        var generator = new TextGenerator(summarizerModel, tokenizer, chatFormatter);
        Summarizer = new TorchUserSummarizer(generator, new PromptRenderer(_options.Domain), SummarizerOptions);
    }

    /// <inheritdoc />
    public string Name => _options.TrainSummarizer ? "PLUS" : "PLUS-untrained";

    /// <summary>The summarizer (the policy with its adapter), usable for inference after training.</summary>
    public TorchUserSummarizer Summarizer { get; }

    /// <summary>The summarizer's LoRA adapter (null for PLUS-untrained); save it with <see cref="LoraAdapter.Save"/>.</summary>
    public LoraAdapter? SummarizerAdapter => _adapter;

    /// <summary>The options in use.</summary>
    public PlusTrainerOptions Options => _options;

    /// <summary>How the summarizer samples during training and evaluation.</summary>
    public SummarizerOptions SummarizerOptions => new()
    {
        Domain = _options.Domain,
        MaxSummaryTokens = _options.MaxSummaryTokens,
        DoSample = _options.Temperature > 0,
        Temperature = _options.Temperature > 0 ? _options.Temperature : 1.0,
        Seed = _options.Seed,
        BatchSize = _options.RolloutBatchSize,
    };

    /// <inheritdoc />
    public Task<IPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("PLUS needs at least one training example.", nameof(train));
        return Task.Run(() => Train(train, progress, cancellationToken), cancellationToken);
    }

    private IPreferenceModel Train(IReadOnlyList<PreferenceExample> train, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        int batch = Math.Min(_options.RolloutBatchSize, train.Count);
        int stepsPerEpoch = (train.Count + batch - 1) / batch;
        int totalSteps = stepsPerEpoch * _options.Epochs;
        var device = _summarizerModel.Device;

        // Optimizers and schedules.
        var rmParams = _rewardModel.Model.TrainableParameters().Select(p => p.Parameter).ToList();
        using var rmOptimizer = OptimizerFactory.CreateAdamW(rmParams, new AdamWSettings { LearningRate = _options.RewardLearningRate });
        var rmSchedule = new LearningRateSchedule(_options.RewardLearningRate, totalSteps, _options.WarmupFraction, _options.MinLearningRateRatio);
        AdamW? actorOptimizer = null, criticOptimizer = null;
        PpoUpdater? ppo = null;
        LearningRateSchedule? actorSchedule = null, criticSchedule = null;
        IKlController kl = _options.AdaptiveKl
            ? new AdaptiveKlController(_options.KlCoefficient, _options.TargetKl, _options.KlHorizon)
            : new FixedKlController(_options.KlCoefficient);
        if (_adapter is not null)
        {
            _critic ??= ValueModel.FromRewardModel(_rewardModel.Model);
            var actorParams = _adapter.Parameters.ToList();
            var criticParams = _critic.parameters().Where(p => p.requires_grad).ToList();
            actorOptimizer = OptimizerFactory.CreateAdamW(actorParams, new AdamWSettings { LearningRate = _options.ActorLearningRate });
            criticOptimizer = OptimizerFactory.CreateAdamW(criticParams, new AdamWSettings { LearningRate = _options.CriticLearningRate });
            actorSchedule = new LearningRateSchedule(_options.ActorLearningRate, totalSteps, _options.WarmupFraction, _options.MinLearningRateRatio);
            criticSchedule = new LearningRateSchedule(_options.CriticLearningRate, totalSteps, _options.WarmupFraction, _options.MinLearningRateRatio);
            ppo = new PpoUpdater(_summarizerModel, _adapter.DisableAdapter, _critic, actorOptimizer, actorParams, criticOptimizer, criticParams,
                _options.Ppo with { Temperature = SummarizerOptions.Temperature }); // PPO scores tokens at the rollouts' temperature
        }

        try
        {
            // Resume.
            var store = _options.CheckpointDirectory is { } dir ? new CheckpointStore(dir, _options.KeepCheckpoints) : null;
            int startStep = 0;
            string? lastCheckpoint = null;
            if (store?.OpenLatest() is { } reader)
            {
                startStep = (int)reader.State.Step;
                if (reader.State.Seed != _options.Seed)
                    throw new InvalidOperationException($"The checkpoint '{reader.Directory}' was written with seed {reader.State.Seed}, but the options say {_options.Seed}; resume with the same seed or another checkpoint directory.");
                reader.LoadModule("reward_model", _rewardModel.Model);
                reader.LoadOptimizer("reward_optimizer", rmOptimizer);
                if (_adapter is not null)
                {
                    if (!File.Exists(Path.Combine(reader.GetPath(AdapterFolder), LoraAdapter.WeightsFileName)))
                        throw new InvalidOperationException($"The checkpoint '{reader.Directory}' holds no summarizer adapter: it was written by a PLUS-untrained run.");
                    _adapter.LoadWeights(reader.GetPath(AdapterFolder));
                    reader.LoadModule("critic", _critic!);
                    reader.LoadOptimizer("actor_optimizer", actorOptimizer!);
                    reader.LoadOptimizer("critic_optimizer", criticOptimizer!);
                }

                if (reader.State.Values.TryGetValue("kl_coef", out double beta)) kl.Value = beta;
                reader.RestoreRngState();
                lastCheckpoint = reader.Directory;
                if (_logger?.IsEnabled(LogLevel.Information) == true)
                    _logger.LogInformation("Resuming {Name} from {Checkpoint} at step {Step}", Name, reader.Directory, startStep);
            }

            using var metrics = _options.MetricsPath is { } mp ? new MetricsJsonlWriter(mp, truncateAfterStep: startStep) : null;
            var reporter = new ProgressReporter(Name.ToLowerInvariant(), totalSteps, progress, _logger, logEvery: 1, startStep: startStep);
            int[]? order = null;
            int orderEpoch = -1;

            for (int step = startStep; step < totalSteps; step++)
            {
                if (ct.IsCancellationRequested)
                {
                    if (store is not null && step > startStep)
                        lastCheckpoint = SaveCheckpoint(store, step, kl, rmOptimizer, actorOptimizer, criticOptimizer);
                    ct.ThrowIfCancellationRequested();
                }

                int epoch = step / stepsPerEpoch;
                if (epoch != orderEpoch)
                {
                    var shuffle = Seeding.CreateRandom(_options.Seed, 1_000_000 + epoch);
                    order = Enumerable.Range(0, train.Count).OrderBy(_ => shuffle.Next()).ToArray();
                    orderEpoch = epoch;
                }

                var examples = order!.Skip(step % stepsPerEpoch * batch).Take(batch).Select(i => train[i]).ToList();
                var values = RunStep(step, examples, kl, ppo, rmOptimizer, rmParams, rmSchedule, actorSchedule, criticSchedule, actorOptimizer, criticOptimizer, lastCheckpoint, ct);
                metrics?.Write(step + 1, values, Name);
                reporter.Report(step + 1, values);
                if (store is not null && ((step + 1) % _options.CheckpointEvery == 0 || step + 1 == totalSteps))
                    lastCheckpoint = SaveCheckpoint(store, step + 1, kl, rmOptimizer, actorOptimizer, criticOptimizer);
            }

            return new RewardPreferenceModel(Name, ConditioningKind.Summary, _rewardModel, Summarizer, ownsModel: false);
        }
        finally
        {
            actorOptimizer?.Dispose();
            criticOptimizer?.Dispose();
        }
    }

    private Dictionary<string, double> RunStep(
        int step, List<PreferenceExample> examples, IKlController kl, PpoUpdater? ppo,
        AdamW rmOptimizer, List<Parameter> rmParams, LearningRateSchedule rmSchedule,
        LearningRateSchedule? actorSchedule, LearningRateSchedule? criticSchedule,
        AdamW? actorOptimizer, AdamW? criticOptimizer, string? lastCheckpoint, CancellationToken ct)
    {
        using var scope = NewDisposeScope();
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();

        // 1. Sample a summary of each context with the current policy.
        _summarizerModel.eval();
        using var rollout = Summarizer.SummarizeForTraining(
            examples.Select(e => e.Context).ToList(),
            SummarizerOptions with { Seed = Seeding.Derive(_options.Seed, step) }, ct);
        double generationSeconds = clock.Elapsed.TotalSeconds;

        // 2. The summarizer's reward: log σ(r(chosen | z) − r(rejected | z)) under the current reward model.
        var pairs = examples.Select((e, i) => new ConditionedPair(e.Target, UserConditioning.FromSummary(rollout.Summaries[i]))).ToList();
        _rewardModel.Model.eval();
        Tensor sequenceRewards;
        using (no_grad())
        {
            var (chosen, rejected, _) = _rewardModel.ForwardPairs(pairs);
            sequenceRewards = SummaryRewards(chosen, rejected).to(CPU);
        }

        double scoringSeconds = clock.Elapsed.TotalSeconds - generationSeconds;
        values["reward_mean"] = sequenceRewards.mean().item<float>();
        values["summary_tokens"] = rollout.NewTokenMask.sum().item<long>() / (double)examples.Count;
        values["summary_words"] = rollout.Summaries.Average(s => s.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

        // 3. PPO on the summarizer.
        if (ppo is not null)
        {
            actorSchedule!.Apply(actorOptimizer!, step);
            criticSchedule!.Apply(criticOptimizer!, step);
            using var experience = ppo.MakeExperience(rollout.SequenceIds, rollout.AttentionMask, rollout.PromptLength, sequenceRewards, kl.Value);
            bool frozen = step < _options.FreezeSummarizerSteps;
            var stats = ppo.Update(experience, Seeding.CreateRandom(_options.Seed, 2_000_000 + step), step, lastCheckpoint, updateActor: !frozen, cancellationToken: ct);
            values["summarizer_frozen"] = frozen ? 1 : 0;
            double meanKl = MaskedTensorOps.Mean(experience.Kl, experience.ActionMask).item<float>() * (experience.ActionMask.sum().item<float>() / examples.Count);
            values["kl"] = meanKl;
            values["kl_coef"] = kl.Value;
            values["policy_loss"] = stats.PolicyLoss;
            values["clip_fraction"] = stats.ClipFraction;
            values["approx_kl"] = stats.ApproxKl;
            values["value_loss"] = stats.ValueLoss;
            values["actor_grad_norm"] = stats.PolicyGradNorm;
            kl.Update(meanKl, examples.Count);
        }

        double ppoSeconds = clock.Elapsed.TotalSeconds - generationSeconds - scoringSeconds;

        // 4. The reward model: Bradley-Terry on the same pairs conditioned on the fresh summaries.
        _rewardModel.Model.train();
        rmSchedule.Apply(rmOptimizer, step);
        double rmLoss = 0, correct = 0;
        int seen = 0;
        for (int start = 0; start < pairs.Count; start += _options.RewardMiniBatchSize)
        {
            ct.ThrowIfCancellationRequested();
            using var inner = NewDisposeScope();
            var chunk = pairs.Skip(start).Take(_options.RewardMiniBatchSize).ToList();
            var output = _rewardModel.PairLoss(chunk);
            LossGuard.ThrowIfNotFinite(output.Loss, step, "plus-reward-model", lastCheckpoint);
            rmOptimizer.zero_grad();
            output.Loss.backward();
            GradientClipping.ClipByGlobalNorm(rmParams, 1.0);
            rmOptimizer.step();
            rmLoss += output.Loss.item<float>() * chunk.Count;
            correct += output.CountCorrect();
            seen += chunk.Count;
        }

        _rewardModel.Model.eval();
        values["rm_loss"] = rmLoss / seen;
        values["rm_accuracy"] = correct / seen;
        values["generation_seconds"] = generationSeconds;
        values["scoring_seconds"] = scoringSeconds;
        values["ppo_seconds"] = ppoSeconds;
        values["rm_seconds"] = clock.Elapsed.TotalSeconds - generationSeconds - scoringSeconds - ppoSeconds;
        values["summaries_per_second"] = examples.Count / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
        LossGuard.ThrowIfAnyNotFinite(values, step, "plus", lastCheckpoint);
        return values;
    }

    /// <summary>
    /// The summarizer's reward for each row: log σ(r(chosen | z) − r(rejected | z)), the negative Bradley-Terry loss
    /// (≤ 0; closer to 0 when the summary lets the reward model tell the user's choice apart).
    /// </summary>
    /// <param name="chosen">[B] rewards of the chosen responses under the summary.</param>
    /// <param name="rejected">[B] rewards of the rejected responses under the summary.</param>
    /// <returns>[B] fp32 rewards.</returns>
    public static Tensor SummaryRewards(Tensor chosen, Tensor rejected)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(rejected);
        return nn.functional.logsigmoid(chosen.to_type(ScalarType.Float32) - rejected.to_type(ScalarType.Float32));
    }

    private string SaveCheckpoint(CheckpointStore store, int step, IKlController kl, AdamW rmOptimizer, AdamW? actorOptimizer, AdamW? criticOptimizer)
    {
        var state = new TrainerState
        {
            Step = step,
            Seed = _options.Seed,
            Values = new Dictionary<string, double> { ["kl_coef"] = kl.Value },
            Options = new JsonObject
            {
                ["method"] = Name,
                ["rollout_batch_size"] = _options.RolloutBatchSize,
                ["max_summary_tokens"] = _options.MaxSummaryTokens,
            },
        };
        string path = store.Save(state, writer =>
        {
            writer.SaveModule("reward_model", _rewardModel.Model);
            writer.SaveOptimizer("reward_optimizer", rmOptimizer);
            if (_adapter is not null)
            {
                _adapter.Save(writer.GetPath(AdapterFolder));
                writer.SaveModule("critic", _critic!);
                writer.SaveOptimizer("actor_optimizer", actorOptimizer!);
                writer.SaveOptimizer("critic_optimizer", criticOptimizer!);
            }

            writer.SaveRngState();
        });
        if (_logger?.IsEnabled(LogLevel.Information) == true)
            _logger.LogInformation("{Name} checkpoint written to {Path}", Name, path);
        return path;
    }

    /// <summary>Disposes the critic. The summarizer model, its adapter and the reward model stay with the caller.</summary>
    public void Dispose()
    {
        _critic?.Dispose();
        _critic = null;
    }
}
