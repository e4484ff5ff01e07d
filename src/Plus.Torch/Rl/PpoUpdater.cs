using Plus.Torch.Modeling;
using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>
/// Turns sampled sequences into PPO experience (log-probs of the policy and the reference, values, KL-penalized
/// rewards, GAE) and runs the clipped actor and critic updates. The reference policy is the same model inside
/// <c>referenceScope</c> (for LoRA: the adapter disabled), so no second copy is held in memory.
/// </summary>
/// <remarks>Not thread-safe. Every step runs in a dispose scope: memory stays flat over many steps.</remarks>
public sealed class PpoUpdater
{
    private readonly CausalLM _policy;
    private readonly Func<IDisposable> _referenceScope;
    private readonly ValueModel _critic;
    private readonly optim.Optimizer _actorOptimizer;
    private readonly optim.Optimizer _criticOptimizer;
    private readonly IReadOnlyList<Parameter> _actorParameters;
    private readonly IReadOnlyList<Parameter> _criticParameters;

    /// <summary>Creates an updater.</summary>
    /// <param name="policy">The policy (for LoRA, the model with the adapter injected and enabled).</param>
    /// <param name="referenceScope">Opens a scope in which <paramref name="policy"/> computes the reference policy.</param>
    /// <param name="critic">The value model.</param>
    /// <param name="actorOptimizer">Optimizes <paramref name="actorParameters"/>.</param>
    /// <param name="actorParameters">The policy's trainable parameters (for gradient clipping).</param>
    /// <param name="criticOptimizer">Optimizes <paramref name="criticParameters"/>.</param>
    /// <param name="criticParameters">The critic's trainable parameters.</param>
    /// <param name="settings">PPO settings.</param>
    public PpoUpdater(
        CausalLM policy, Func<IDisposable> referenceScope, ValueModel critic,
        optim.Optimizer actorOptimizer, IReadOnlyList<Parameter> actorParameters,
        optim.Optimizer criticOptimizer, IReadOnlyList<Parameter> criticParameters,
        PpoSettings settings)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(referenceScope);
        ArgumentNullException.ThrowIfNull(critic);
        ArgumentNullException.ThrowIfNull(actorOptimizer);
        ArgumentNullException.ThrowIfNull(criticOptimizer);
        ArgumentNullException.ThrowIfNull(settings);
        settings.Validate();
        _policy = policy;
        _referenceScope = referenceScope;
        _critic = critic;
        _actorOptimizer = actorOptimizer;
        _criticOptimizer = criticOptimizer;
        _actorParameters = actorParameters;
        _criticParameters = criticParameters;
        Settings = settings;
    }

    /// <summary>The PPO settings.</summary>
    public PpoSettings Settings { get; }

    /// <summary>
    /// Log-probs [B, N] (fp32) that <paramref name="model"/> gives the generated tokens in columns
    /// <paramref name="promptLength"/>..L-1 of <paramref name="sequenceIds"/>, read from the hidden states one
    /// position earlier; logits are computed only over those N positions. With <paramref name="temperature"/> ≠ 1 the
    /// log-probs are those of the tempered distribution softmax(logits / T) the tokens were sampled from.
    /// </summary>
    public static Tensor ActionLogProbs(CausalLM model, Tensor sequenceIds, Tensor attentionMask, int promptLength, double temperature = 1.0)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (!(temperature > 0) || double.IsInfinity(temperature))
            throw new ArgumentOutOfRangeException(nameof(temperature), temperature, "must be a positive finite number");
        using var scope = NewDisposeScope();
        long length = sequenceIds.shape[1];
        var positions = PositionIds.FromAttentionMask(attentionMask);
        var hidden = model.ForwardHidden(sequenceIds, attentionMask, positions);
        var h = hidden[.., (promptLength - 1)..(int)(length - 1)];
        var targets = sequenceIds[.., promptLength..];
        if (temperature == 1.0) return model.TokenLogProbsFromHidden(h, targets).MoveToOuterDisposeScope();
        return CausalLM.TokenLogProbs(model.ComputeLogits(h) / temperature, targets).MoveToOuterDisposeScope();
    }

    /// <summary>Critic values [B, N] for the states before each generated token.</summary>
    public static Tensor ActionValues(ValueModel critic, Tensor sequenceIds, Tensor attentionMask, int promptLength)
    {
        ArgumentNullException.ThrowIfNull(critic);
        using var scope = NewDisposeScope();
        long length = sequenceIds.shape[1];
        var positions = PositionIds.FromAttentionMask(attentionMask);
        var values = critic.Forward(sequenceIds, attentionMask, positions);
        return values[.., (promptLength - 1)..(int)(length - 1)].MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Builds PPO experience from a rollout: policy and reference log-probs, values, the KL-penalized per-token
    /// rewards (sequence reward on the last action token), GAE advantages (whitened) and returns. No gradients.
    /// </summary>
    /// <param name="sequenceIds">[B, L] prompt (left-padded, P columns) followed by the generated tokens.</param>
    /// <param name="attentionMask">[B, L] 1 on prompt and counted generated tokens.</param>
    /// <param name="promptLength">P.</param>
    /// <param name="sequenceRewards">[B] the reward of each row's whole sequence.</param>
    /// <param name="klCoefficient">β of the per-token KL penalty.</param>
    /// <param name="policyIsReference">
    /// True when the caller knows the policy computes exactly the reference policy (a LoRA adapter whose every B is still
    /// zero, as during the trainer's summarizer-freeze steps) and the experience will train the critic only: the two
    /// log-prob forwards are skipped, the log-probs are left at 0, and the KL is 0, which is what computing them gives
    /// bit for bit (an adapter with B = 0 adds exact zeros). <see cref="Update"/> then refuses an actor update.
    /// </param>
    /// <returns>The experience; the caller disposes it.</returns>
    public PpoExperience MakeExperience(Tensor sequenceIds, Tensor attentionMask, int promptLength, Tensor sequenceRewards, double klCoefficient, bool policyIsReference = false)
    {
        ArgumentNullException.ThrowIfNull(sequenceIds);
        ArgumentNullException.ThrowIfNull(attentionMask);
        ArgumentNullException.ThrowIfNull(sequenceRewards);
        if (promptLength < 1 || promptLength >= sequenceIds.shape[1])
            throw new ArgumentOutOfRangeException(nameof(promptLength), promptLength, $"must lie in [1, {sequenceIds.shape[1] - 1}]");
        using var scope = NewDisposeScope();
        using var _ = no_grad();
        bool policyTraining = _policy.training, criticTraining = _critic.training;
        _policy.eval();
        _critic.eval();
        try
        {
            var ids = sequenceIds.to(_policy.Device);
            var mask = attentionMask.to(_policy.Device);
            var actionMask = mask[.., promptLength..].to_type(ScalarType.Float32);
            Tensor logProbs, refLogProbs;
            if (policyIsReference)
            {
                logProbs = zeros_like(actionMask);
                refLogProbs = zeros_like(actionMask);
            }
            else
            {
                logProbs = ActionLogProbs(_policy, ids, mask, promptLength, Settings.Temperature);
                using (_referenceScope())
                {
                    refLogProbs = ActionLogProbs(_policy, ids, mask, promptLength, Settings.Temperature);
                }
            }

            var values = ActionValues(_critic, ids, mask, promptLength) * actionMask;
            var kl = KlPenalty.Estimate(logProbs, refLogProbs, actionMask, Settings.KlEstimator);
            var rewards = KlPenalty.ComputeRewards(sequenceRewards.to(_policy.Device).to_type(ScalarType.Float32), kl, actionMask, klCoefficient, Settings.RewardClip);
            using var gae = Gae.Compute(rewards, values, actionMask, Settings.Gamma, Settings.Lambda);
            var advantages = Settings.WhitenAdvantages ? AdvantageWhitening.Whiten(gae.Advantages, actionMask) : gae.Advantages.clone();
            var experience = new PpoExperience(
                ids.clone().MoveToOuterDisposeScope(), mask.clone().MoveToOuterDisposeScope(), promptLength,
                actionMask.MoveToOuterDisposeScope(), logProbs.MoveToOuterDisposeScope(), refLogProbs.MoveToOuterDisposeScope(),
                values.MoveToOuterDisposeScope(), advantages.MoveToOuterDisposeScope(), gae.Returns.clone().MoveToOuterDisposeScope(),
                kl.MoveToOuterDisposeScope(), sequenceRewards.to(_policy.Device).to_type(ScalarType.Float32).MoveToOuterDisposeScope(),
                criticOnly: policyIsReference);
            return experience;
        }
        finally
        {
            _policy.train(policyTraining);
            _critic.train(criticTraining);
        }
    }

    /// <summary>Runs <see cref="PpoSettings.Epochs"/> passes of clipped actor and critic updates over <paramref name="experience"/>.</summary>
    /// <param name="experience">The rollout batch.</param>
    /// <param name="random">Shuffles rows into minibatches.</param>
    /// <param name="step">The trainer's step, named in errors.</param>
    /// <param name="lastGoodCheckpoint">The last checkpoint written, named in errors (null when none).</param>
    /// <param name="cancellationToken">Checked between minibatches.</param>
    /// <returns>Averages over the minibatches.</returns>
    /// <exception cref="NonFiniteLossException">A loss became NaN or infinite; no optimizer step was taken for it.</exception>
    /// <exception cref="InvalidOperationException"><paramref name="updateActor"/> with critic-only experience (<see cref="PpoExperience.CriticOnly"/>).</exception>
    /// <param name="updateActor">False trains the critic only (the actor is frozen, as OpenRLHF's
    /// <c>freezing_actor_steps</c>); the policy statistics are then 0.</param>
    public PpoStepStatistics Update(PpoExperience experience, Random random, long step = 0, string? lastGoodCheckpoint = null, bool updateActor = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(experience);
        ArgumentNullException.ThrowIfNull(random);
        if (updateActor && experience.CriticOnly)
        {
            throw new InvalidOperationException(
                "This experience was made with policyIsReference: it holds no log-probs and can train the critic only (pass updateActor: false).");
        }

        int rows = experience.Rows;
        double policyLoss = 0, clipFraction = 0, approxKl = 0, valueLoss = 0, policyNorm = 0, valueNorm = 0;
        int count = 0;
        _policy.train();
        _critic.train();
        for (int epoch = 0; epoch < Settings.Epochs; epoch++)
        {
            var order = Enumerable.Range(0, rows).OrderBy(_ => random.Next()).ToArray();
            for (int start = 0; start < rows; start += Settings.MiniBatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                using var scope = NewDisposeScope();
                var index = tensor(order.Skip(start).Take(Settings.MiniBatchSize).Select(i => (long)i).ToArray(), device: experience.SequenceIds.device);
                var ids = experience.SequenceIds.index_select(0, index);
                var mask = experience.AttentionMask.index_select(0, index);
                var actionMask = experience.ActionMask.index_select(0, index);

                if (updateActor)
                {
                    var logProbs = ActionLogProbs(_policy, ids, mask, experience.PromptLength, Settings.Temperature);
                    var policy = PpoLosses.PolicyLoss(
                        logProbs, experience.OldLogProbs.index_select(0, index), experience.Advantages.index_select(0, index), actionMask,
                        Settings.ClipEpsilon);
                    policyNorm += Optimize(policy.Loss, _actorOptimizer, _actorParameters, "ppo-actor", step, lastGoodCheckpoint);
                    policyLoss += policy.Loss.item<float>();
                    clipFraction += policy.ClipFraction.item<float>();
                    approxKl += policy.ApproxKl.item<float>();
                }

                var values = ActionValues(_critic, ids, mask, experience.PromptLength);
                var value = PpoLosses.ValueLoss(
                    values, experience.OldValues.index_select(0, index), experience.Returns.index_select(0, index), actionMask,
                    Settings.ValueClipEpsilon);
                valueNorm += Optimize(value.Loss, _criticOptimizer, _criticParameters, "ppo-critic", step, lastGoodCheckpoint);

                valueLoss += value.Loss.item<float>();
                count++;
            }
        }

        return new PpoStepStatistics(policyLoss / count, clipFraction / count, approxKl / count, valueLoss / count, policyNorm / count, valueNorm / count);
    }

    /// <summary>One guarded optimizer step on <paramref name="loss"/>; returns the gradient norm before clipping.</summary>
    private double Optimize(Tensor loss, optim.Optimizer optimizer, IReadOnlyList<Parameter> parameters, string stage, long step, string? lastGoodCheckpoint)
    {
        LossGuard.ThrowIfNotFinite(loss, step, stage, lastGoodCheckpoint);
        optimizer.zero_grad();
        loss.backward();
        double norm = GradientClipping.ClipByGlobalNorm(parameters, Settings.MaxGradNorm);
        optimizer.step();
        return norm;
    }
}
