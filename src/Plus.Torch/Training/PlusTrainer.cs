using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Data;
using Plus.Inference;
using Plus.Metrics;
using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Persistence;
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
/// from the reward model, GAE), then update the reward model with the Bradley-Terry loss (<see cref="BradleyTerryStep"/>)
/// on the same pairs conditioned on the fresh summaries. With <see cref="PlusTrainerOptions.TrainSummarizer"/> false it
/// is PLUS-untrained, the project's one definition of that ablation: the same loop with PPO left out, so summaries are
/// sampled afresh from the frozen summarizer every step and only the reward model learns.
/// </summary>
/// <remarks>
/// The trainer injects a LoRA adapter into the summarizer model it is given (the caller keeps owning the model and
/// the reward model unless <c>ownsModels</c>); it owns the adapter's optimizer, the critic and the checkpoints. It runs
/// in the shared <see cref="TrainingLoop"/> (order, progress, metrics, evaluation, checkpoints, fingerprinted resume,
/// cancellation at any point: a step stops only before its first weight update). Not thread-safe.
/// </remarks>
public sealed class PlusTrainer : IPreferenceTrainer, IDisposable
{
    private const string AdapterFolder = "summarizer_adapter";
    private const string RewardName = "reward_model";
    private readonly CausalLM _summarizerModel;
    private readonly ConditionedRewardModel _rewardModel;
    private readonly PlusTrainerOptions _options;
    private readonly ILogger? _logger;
    private readonly LoraAdapter? _adapter;
    private readonly IReadOnlyList<IDisposable> _owned;
    private readonly ConditionedPair[] _anchors = [];
    private readonly string? _anchorsFingerprint;
    private ValueModel? _critic;

    /// <summary>Creates a trainer.</summary>
    /// <param name="summarizerModel">The summarizer LM (the policy's base; a LoRA adapter is injected when the summarizer trains).</param>
    /// <param name="tokenizer">The summarizer's tokenizer.</param>
    /// <param name="rewardModel">The summary-conditioned reward model, trained in place.</param>
    /// <param name="options">Options; null for the tiny-model defaults.</param>
    /// <param name="logger">Optional logger for progress and warnings.</param>
    /// <param name="chatFormatter">The summarizer's chat format; null picks it from the tokenizer (ChatML by default).</param>
    /// <param name="prompts">The summarizer's prompts (domain and templates, e.g. from <c>AddPlus()</c>); null uses the paper's templates of <see cref="PlusTrainerOptions.Domain"/>.</param>
    /// <param name="maxSummaryWords">Words kept of each summary (<c>Plus:MaxSummaryWords</c>; default 50).</param>
    /// <param name="ownsModels">When true the trained model disposes <paramref name="summarizerModel"/> and <paramref name="rewardModel"/> with itself.</param>
    /// <param name="rewardAnchors">
    /// Pairs whose summary is known, its text in <see cref="PreferenceExample.OraclePreference"/>, mixed into the
    /// reward-model updates (<see cref="PlusTrainerOptions.RewardAnchorsPerStep"/> per step); required when that option
    /// is above 0. Part of the run's fingerprint.
    /// </param>
    /// <exception cref="ArgumentException">The options are invalid, or anchors are asked for and none (or one without a text) are given.</exception>
    public PlusTrainer(
        CausalLM summarizerModel, HfTokenizer tokenizer, ConditionedRewardModel rewardModel,
        PlusTrainerOptions? options = null, ILogger? logger = null, IChatFormatter? chatFormatter = null,
        PromptRenderer? prompts = null, int maxSummaryWords = 50, bool ownsModels = false,
        IReadOnlyList<PreferenceExample>? rewardAnchors = null)
    {
        ArgumentNullException.ThrowIfNull(summarizerModel);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(rewardModel);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxSummaryWords, 1);
        _options = (options ?? new PlusTrainerOptions()).Clone();
        if (prompts is not null) _options.Domain = prompts.Domain;
        if (_options.Validate() is { Count: > 0 } errors) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        if (_options.RewardAnchorsPerStep > 0)
        {
            if (rewardAnchors is not { Count: > 0 })
                throw new ArgumentException($"Plus:Training:RewardAnchorsPerStep is {_options.RewardAnchorsPerStep} but no reward anchors were given.", nameof(rewardAnchors));
            for (int i = 0; i < rewardAnchors.Count; i++)
            {
                if (string.IsNullOrWhiteSpace(rewardAnchors[i]?.OraclePreference))
                    throw new ArgumentException($"rewardAnchors[{i}] has no summary text (OraclePreference).", nameof(rewardAnchors));
            }

            _anchors = rewardAnchors.Select(a => new ConditionedPair(a.Target, UserConditioning.FromSummary(UserSummary.FromUser(a.OraclePreference!)))).ToArray();
            _anchorsFingerprint = DatasetFingerprint.Of(rewardAnchors);
        }

        _summarizerModel = summarizerModel;
        _rewardModel = rewardModel;
        _logger = logger;
        _owned = ownsModels ? [rewardModel, summarizerModel] : [];
        MaxSummaryWords = maxSummaryWords;
        StartingPoint = StartingPointHash(summarizerModel, rewardModel.Model);
        if (_options.TrainSummarizer)
        {
            _adapter = LoraAdapter.Inject(summarizerModel, new LoraSettings { Rank = _options.LoraRank, Alpha = _options.LoraAlpha }, _options.EffectiveSeed);
        }

        var generator = new TextGenerator(summarizerModel, tokenizer, chatFormatter);
        Summarizer = new TorchUserSummarizer(generator, prompts ?? new PromptRenderer(_options.Domain), SummarizerOptions);
    }

    /// <inheritdoc />
    public string Name => _options.TrainSummarizer ? PreferenceMethods.Plus : PreferenceMethods.PlusUntrained;

    /// <summary>The summarizer (the policy with its adapter), usable for inference after training.</summary>
    public TorchUserSummarizer Summarizer { get; }

    /// <summary>The summarizer's LoRA adapter (null for PLUS-untrained); save it with <see cref="LoraAdapter.Save"/>.</summary>
    public LoraAdapter? SummarizerAdapter => _adapter;

    /// <summary>The options in use (a copy).</summary>
    public PlusTrainerOptions Options => _options;

    /// <summary>Words kept of each summary.</summary>
    public int MaxSummaryWords { get; }

    /// <summary>How the summarizer samples during training and evaluation (and after saving and loading).</summary>
    public SummarizerOptions SummarizerOptions => new()
    {
        Domain = _options.Domain,
        MaxSummaryTokens = _options.MaxSummaryTokens,
        MaxSummaryWords = MaxSummaryWords,
        DoSample = _options.Temperature > 0,
        Temperature = _options.Temperature > 0 ? _options.Temperature : 1.0,
        Seed = _options.EffectiveSeed,
        BatchSize = _options.RolloutBatchSize,
        ModelName = Name,
    };

    private string StartingPoint { get; }

    /// <inheritdoc />
    public async Task<ITrainedPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default) =>
        await TrainModelAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);

    /// <summary>Trains and returns the typed model (see <see cref="TrainAsync"/>).</summary>
    /// <param name="train">Training examples.</param>
    /// <param name="eval">Optional held-out examples, evaluated every <see cref="PlusTrainerOptions.EvalEvery"/> steps and at the end.</param>
    /// <param name="progress">Receives a report after every step, and notices such as a resume.</param>
    /// <param name="cancellationToken">Stops at any point; the last completed step is checkpointed when checkpointing is on.</param>
    /// <returns>The trained model (it owns the models only when the trainer was built with <c>ownsModels</c>).</returns>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds a run with other data, options or base models.</exception>
    public Task<TrainedModel> TrainModelAsync(
        IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(train);
        if (train.Count == 0) throw new ArgumentException("PLUS needs at least one training example.", nameof(train));
        return Task.Run(() => Train(train, eval is { Count: > 0 } ? eval : null, progress, cancellationToken), cancellationToken);
    }

    private TrainedModel Train(IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval, IProgress<TrainingProgress>? progress, CancellationToken ct)
    {
        var optionsJson = OptionsJson();
        var settings = new TrainingLoopSettings
        {
            Method = Name,
            ExampleCount = train.Count,
            BatchSize = _options.RolloutBatchSize,
            Epochs = _options.Epochs,
            Seed = _options.EffectiveSeed,
            CheckpointDirectory = _options.CheckpointDirectory,
            CheckpointEvery = _options.CheckpointEvery,
            KeepCheckpoints = _options.KeepCheckpoints,
            MetricsPath = _options.MetricsPath,
            EvalEvery = _options.EvalEvery,
            HasEval = eval is not null,
            LogEvery = 1,
            Fingerprint = new RunFingerprint(DatasetFingerprint.Of(train), RunFingerprint.HashOptions(optionsJson), StartingPoint),
        };
        int totalSteps = settings.TotalSteps;
        using var task = new StepTask(this, train, eval, totalSteps, progress);
        var result = new TrainingLoop(settings, _logger).Run(task, progress, ct);
        _rewardModel.Model.HeadTrained = true;
        _rewardModel.Model.eval();
        _summarizerModel.eval();
        return new TrainedModel(new TrainedModelParts
        {
            Name = Name,
            Conditioning = ConditioningKind.Summary,
            RewardModel = _rewardModel,
            Summarizer = Summarizer,
            SummarizerAdapter = _adapter,
            Metadata = result.ToMetadata(settings),
            TrainingOptions = optionsJson,
            Owned = _owned,
        });
    }

    private JsonObject OptionsJson()
    {
        var json = JsonSerializer.SerializeToNode(_options)!.AsObject();
        foreach (var key in new[] { nameof(PlusTrainerOptions.CheckpointDirectory), nameof(PlusTrainerOptions.CheckpointEvery), nameof(PlusTrainerOptions.KeepCheckpoints), nameof(PlusTrainerOptions.MetricsPath), nameof(PlusTrainerOptions.SummarizerModelPath), nameof(PlusTrainerOptions.EvalEvery) })
        {
            json.Remove(key);
        }

        // Options added later are left out at their defaults, so a run of an earlier version keeps its fingerprint.
        if (_options.RewardAnchorsPerStep == 0) json.Remove(nameof(PlusTrainerOptions.RewardAnchorsPerStep));
        if (_options.RewardLabelSmoothing == 0) json.Remove(nameof(PlusTrainerOptions.RewardLabelSmoothing));
        json["Seed"] = _options.EffectiveSeed;
        json[nameof(MaxSummaryWords)] = MaxSummaryWords;
        json["Prompts"] = JsonSerializer.SerializeToNode(Summarizer.Renderer.Templates);
        json["RewardPrompts"] = JsonSerializer.SerializeToNode(_rewardModel.Encoder.Renderer.Prompts.Templates);
        if (_rewardModel.Encoder.SubjectLines) json["RewardSubjectLines"] = true;
        if (_anchorsFingerprint is not null) json["RewardAnchors"] = $"{_anchors.Length}:{_anchorsFingerprint}";
        return json;
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

    /// <summary>Disposes the critic. The summarizer model, its adapter and the reward model stay with the caller (or the trained model).</summary>
    public void Dispose()
    {
        _critic?.Dispose();
        _critic = null;
    }

    private static string StartingPointHash(CausalLM summarizer, RewardModel reward)
    {
        string Part(nn.Module module, string? source) => source is null ? ContentHash.OfModule(module) : ContentHash.OfModelFolder(source);
        using var scope = NewDisposeScope();
        string headHash = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(
            System.Runtime.InteropServices.MemoryMarshal.AsBytes(reward.ScoreWeight.detach().cpu().to_type(ScalarType.Float32).data<float>().ToArray().AsSpan())));
        return $"{Part(summarizer, summarizer.SourceDirectory)}:{Part(reward, reward.SourceDirectory)}:{headHash}";
    }

    /// <summary>One PLUS step and its checkpoint contents, plugged into the shared loop.</summary>
    private sealed class StepTask : ITrainingTask, IDisposable
    {
        private readonly PlusTrainer _t;
        private readonly IReadOnlyList<PreferenceExample> _train;
        private readonly IReadOnlyList<PreferenceExample>? _eval;
        private readonly BradleyTerryStep _rmStep;
        private readonly IKlController _kl;
        private readonly MultiTensorAdamW? _actorOptimizer;
        private readonly MultiTensorAdamW? _criticOptimizer;
        private readonly PpoUpdater? _ppo;
        private readonly LearningRateSchedule? _actorSchedule;
        private readonly LearningRateSchedule? _criticSchedule;
        private readonly ProgressReporter _notices;
        private readonly RewardTruncationNotices _rewardNotices;
        private bool _summarizerCutAnnounced;

        public StepTask(PlusTrainer trainer, IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval, int totalSteps, IProgress<TrainingProgress>? progress)
        {
            _t = trainer;
            _train = train;
            _eval = eval;
            _notices = new ProgressReporter(trainer.Name.ToLowerInvariant(), totalSteps, progress, trainer._logger);
            _rewardNotices = new RewardTruncationNotices(_notices, trainer.Name, trainer._rewardModel.Encoder, trainer._rewardModel.Model.Config.MaxPositionEmbeddings, "reward_truncated");
            var o = trainer._options;
            var rmSchedule = new LearningRateSchedule(o.RewardLearningRate, totalSteps, o.WarmupFraction, o.MinLearningRateRatio);
            _rmStep = new BradleyTerryStep(trainer._rewardModel, new AdamWSettings { LearningRate = o.RewardLearningRate }, rmSchedule) { StageName = "plus-reward-model", MaxTokensPerMicroBatch = o.RewardMaxTokensPerMicroBatch, LabelSmoothing = o.RewardLabelSmoothing };
            _kl = o.AdaptiveKl ? new AdaptiveKlController(o.KlCoefficient, o.TargetKl, o.KlHorizon) : new FixedKlController(o.KlCoefficient);
            if (trainer._adapter is not null)
            {
                trainer._critic ??= ValueModel.FromRewardModel(trainer._rewardModel.Model);
                var actorParams = trainer._adapter.Parameters.ToList();
                var criticParams = trainer._critic.parameters().Where(p => p.requires_grad).ToList();
                _actorOptimizer = OptimizerFactory.CreateMultiTensorAdamW(actorParams, new AdamWSettings { LearningRate = o.ActorLearningRate });
                _criticOptimizer = OptimizerFactory.CreateMultiTensorAdamW(criticParams, new AdamWSettings { LearningRate = o.CriticLearningRate });
                _actorSchedule = new LearningRateSchedule(o.ActorLearningRate, totalSteps, o.WarmupFraction, o.MinLearningRateRatio);
                _criticSchedule = new LearningRateSchedule(o.CriticLearningRate, totalSteps, o.WarmupFraction, o.MinLearningRateRatio);
                _ppo = new PpoUpdater(trainer._summarizerModel, trainer._adapter.DisableAdapter, trainer._critic, _actorOptimizer, actorParams, _criticOptimizer, criticParams,
                    o.Ppo with { Temperature = trainer.SummarizerOptions.Temperature }); // PPO scores tokens at the rollouts' temperature
            }
        }

        public string Stage => _t.Name.ToLowerInvariant();

        public IReadOnlyDictionary<string, double> Step(TrainingStepContext context, CancellationToken ct)
        {
            var t = _t;
            int step = context.Step;
            var examples = context.Batch.Select(i => _train[i]).ToList();
            using var scope = NewDisposeScope();
            var values = new Dictionary<string, double>(StringComparer.Ordinal);
            var clock = Stopwatch.StartNew();

            var summarizerBefore = t.Summarizer.Statistics;

            // 1. Sample a summary of each context with the current policy (cancellable: no weight has changed yet).
            t._summarizerModel.eval();
            SummaryRollout rollout;
            try
            {
                rollout = t.Summarizer.SummarizeForTraining(
                    examples.Select(e => e.Context).ToList(),
                    t.SummarizerOptions with { Seed = Seeding.Derive(t._options.EffectiveSeed, step) }, ct);
            }
            catch (SummarizerPromptTooLongException ex) when (ex.ContextIndex >= 0 && ex.ContextIndex < examples.Count)
            {
                throw new ArgumentException(
                    $"{t.Name} step {step + 1}: training example {context.Batch[ex.ContextIndex]} (user '{examples[ex.ContextIndex].UserId}'): {ex.Detail}", ex);
            }

            using var rolloutOwner = rollout;
            double generationSeconds = clock.Elapsed.TotalSeconds;
            var summarizerCuts = t.Summarizer.Statistics;
            values["summarizer_truncated"] = summarizerCuts.Truncated - summarizerBefore.Truncated;
            values["summarizer_dropped_pairs"] = summarizerCuts.DroppedContextPairs - summarizerBefore.DroppedContextPairs;
            values["summarizer_shortened_turns"] = summarizerCuts.ShortenedTurns - summarizerBefore.ShortenedTurns;
            AnnounceSummarizerCuts(step, examples.Count, values);

            // 2. The summarizer's reward: log σ(r(chosen | z) − r(rejected | z)) under the current reward model. Only PPO
            //    reads it: PLUS-untrained (no PPO) skips this forward, and its reward_truncated comes from the update below.
            var pairs = examples.Select((e, i) => new ConditionedPair(e.Target, UserConditioning.FromSummary(rollout.Summaries[i]))).ToList();
            Tensor? sequenceRewards = null;
            if (_ppo is not null)
            {
                t._rewardModel.Model.eval();
                int rewardTruncated;
                using (no_grad())
                {
                    (var chosen, var rejected, rewardTruncated) = t._rewardModel.ForwardPairs(pairs);
                    sequenceRewards = SummaryRewards(chosen, rejected).to(CPU);
                }

                // The 2B inputs just scored are the ones the reward-model update reads: count their cuts once.
                values["reward_truncated"] = rewardTruncated;
                _rewardNotices.AfterStep(step, values["reward_truncated"]);
                values["reward_mean"] = sequenceRewards.mean().item<float>();
            }

            ct.ThrowIfCancellationRequested(); // the last point before weights change; from here the step completes
            double scoringSeconds = clock.Elapsed.TotalSeconds - generationSeconds;
            values["summary_tokens"] = rollout.NewTokenMask.sum().item<long>() / (double)examples.Count;
            values["summary_words"] = rollout.Summaries.Average(s => s.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length);

            // 3. PPO on the summarizer.
            if (_ppo is not null && sequenceRewards is not null)
            {
                _actorSchedule!.Apply(_actorOptimizer!, step);
                _criticSchedule!.Apply(_criticOptimizer!, step);
                bool frozen = step < t._options.FreezeSummarizerSteps;
                // While the summarizer is frozen and its adapter untouched the policy is its reference: the KL is exactly 0 and
                // the critic-only update needs no log-probs, so their two forwards are skipped (the same numbers, less time).
                using var experience = _ppo.MakeExperience(
                    rollout.SequenceIds, rollout.AttentionMask, rollout.PromptLength, sequenceRewards, _kl.Value,
                    policyIsReference: frozen && t._adapter!.IsIdentity);
                var stats = _ppo.Update(experience, Seeding.CreateRandom(t._options.EffectiveSeed, 2_000_000 + step), step, context.LastCheckpoint, updateActor: !frozen, cancellationToken: CancellationToken.None);
                values["summarizer_frozen"] = frozen ? 1 : 0;
                double meanKl = MaskedTensorOps.Mean(experience.Kl, experience.ActionMask).item<float>() * (experience.ActionMask.sum().item<float>() / examples.Count);
                values["kl"] = meanKl;
                values["kl_coef"] = _kl.Value;
                values["policy_loss"] = stats.PolicyLoss;
                values["clip_fraction"] = stats.ClipFraction;
                values["approx_kl"] = stats.ApproxKl;
                values["value_loss"] = stats.ValueLoss;
                values["actor_grad_norm"] = stats.PolicyGradNorm;
                _kl.Update(meanKl, examples.Count);
            }

            double ppoSeconds = clock.Elapsed.TotalSeconds - generationSeconds - scoringSeconds;

            // 4. The reward model: Bradley-Terry on the same pairs conditioned on the fresh summaries, one optimizer step
            //    per mini-batch, all at this step's learning rate.
            _rmStep.LastGoodCheckpoint = context.LastCheckpoint;
            double rmLoss = 0, correct = 0;
            int seen = 0, updateTruncated = 0;
            for (int start = 0; start < pairs.Count; start += t._options.RewardMiniBatchSize)
            {
                var chunk = pairs.Skip(start).Take(t._options.RewardMiniBatchSize).ToList();
                _rmStep.StepsTaken = step;
                var result = _rmStep.Step(chunk, CancellationToken.None);
                rmLoss += result.Loss * chunk.Count;
                correct += result.Accuracy * chunk.Count;
                seen += chunk.Count;
                updateTruncated += result.Truncated;
            }

            if (sequenceRewards is null)
            {
                values["reward_truncated"] = updateTruncated;
                _rewardNotices.AfterStep(step, updateTruncated);
            }

            if (t._options.RewardAnchorsPerStep > 0)
            {
                int n = t._options.RewardAnchorsPerStep;
                var anchors = Enumerable.Range(0, n).Select(k => t._anchors[(int)(((long)step * n + k) % t._anchors.Length)]).ToList();
                _rmStep.StepsTaken = step;
                var anchorResult = _rmStep.Step(anchors, CancellationToken.None);
                values["rm_anchor_loss"] = anchorResult.Loss;
                values["rm_anchor_accuracy"] = anchorResult.Accuracy;
            }

            t._rewardModel.Model.eval();
            values["rm_loss"] = rmLoss / seen;
            values["rm_accuracy"] = correct / seen;
            values["generation_seconds"] = generationSeconds;
            values["scoring_seconds"] = scoringSeconds;
            values["ppo_seconds"] = ppoSeconds;
            values["rm_seconds"] = clock.Elapsed.TotalSeconds - generationSeconds - scoringSeconds - ppoSeconds;
            values["summaries_per_second"] = examples.Count / Math.Max(1e-9, clock.Elapsed.TotalSeconds);
            LossGuard.ThrowIfAnyNotFinite(values, step, Stage, context.LastCheckpoint);
            return values;
        }

        /// <summary>Once per run: the first step whose summarizer prompts had to be cut to fit the model.</summary>
        private void AnnounceSummarizerCuts(int step, int rows, Dictionary<string, double> values)
        {
            if (_summarizerCutAnnounced || values["summarizer_truncated"] == 0) return;
            _summarizerCutAnnounced = true;
            _notices.Announce(step,
                $"{_t.Name}: at step {step + 1}, {(long)values["summarizer_truncated"]} of {rows} summarizer prompts were longer than the summarizer model's {_t._summarizerModel.Config.MaxPositionEmbeddings} positions less MaxSummaryTokens {_t._options.MaxSummaryTokens} and were cut " +
                $"({(long)values["summarizer_dropped_pairs"]} oldest context pairs dropped, {(long)values["summarizer_shortened_turns"]} turns shortened in the middle). " +
                "Later cuts are counted in the metrics summarizer_truncated, summarizer_dropped_pairs and summarizer_shortened_turns without another notice.");
        }

        public void Save(CheckpointWriter writer)
        {
            _rmStep.Save(writer, RewardName);
            writer.WriteJson("kl_controller.json", new Dictionary<string, double> { ["value"] = _kl.Value });
            if (_t._adapter is not null)
            {
                _t._adapter.Save(writer.GetPath(AdapterFolder));
                writer.SaveModule("critic", _t._critic!);
                writer.SaveOptimizer("actor_optimizer", _actorOptimizer!);
                writer.SaveOptimizer("critic_optimizer", _criticOptimizer!);
            }
        }

        public void Load(CheckpointReader reader)
        {
            if (_t._adapter is not null && !File.Exists(Path.Combine(reader.GetPath(AdapterFolder), LoraAdapter.WeightsFileName)))
                throw new InvalidDataException($"The checkpoint '{reader.Directory}' holds no summarizer adapter: it was written by a PLUS-untrained run.");
            _rmStep.Load(reader, RewardName);
            _kl.Value = reader.ReadJson<Dictionary<string, double>>("kl_controller.json")["value"];
            if (_t._adapter is not null)
            {
                _t._adapter.LoadWeights(reader.GetPath(AdapterFolder));
                reader.LoadModule("critic", _t._critic!);
                reader.LoadOptimizer("actor_optimizer", _actorOptimizer!);
                reader.LoadOptimizer("critic_optimizer", _criticOptimizer!);
            }
        }

        public IReadOnlyDictionary<string, double> Evaluate(CancellationToken cancellationToken)
        {
            _t._summarizerModel.eval();
            var evaluation = new ConditionedPreferenceModel(_t.Summarizer, _t._rewardModel, new ConditionedPreferenceModelOptions { Name = _t.Name, SummaryBatchSize = int.MaxValue });
            var probabilities = evaluation.PredictChosenProbabilitiesAsync(_eval!, cancellationToken).GetAwaiter().GetResult();
            _t._rewardModel.Model.eval();
            return BradleyTerryTrainer.EvaluationMetrics(PreferenceAccuracy.Compute(_eval!, probabilities));
        }

        public void Dispose()
        {
            _rmStep.Dispose();
            _actorOptimizer?.Dispose();
            _criticOptimizer?.Dispose();
        }
    }
}
