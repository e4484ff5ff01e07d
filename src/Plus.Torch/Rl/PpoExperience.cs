using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>
/// One rollout batch ready for PPO: the sampled sequences and, over the N generated positions, the action mask,
/// the log-probs of the rollout policy and the reference policy, the critic's values, and GAE advantages and returns.
/// </summary>
/// <remarks>Owns its tensors; dispose it after the PPO epochs. Shapes: B rows, L = P + N columns.</remarks>
public sealed class PpoExperience : IDisposable
{
    internal PpoExperience(
        Tensor sequenceIds, Tensor attentionMask, int promptLength, Tensor actionMask, Tensor oldLogProbs,
        Tensor referenceLogProbs, Tensor oldValues, Tensor advantages, Tensor returns, Tensor kl, Tensor sequenceRewards,
        bool criticOnly = false)
    {
        CriticOnly = criticOnly;
        SequenceIds = sequenceIds;
        AttentionMask = attentionMask;
        PromptLength = promptLength;
        ActionMask = actionMask;
        OldLogProbs = oldLogProbs;
        ReferenceLogProbs = referenceLogProbs;
        OldValues = oldValues;
        Advantages = advantages;
        Returns = returns;
        Kl = kl;
        SequenceRewards = sequenceRewards;
    }

    /// <summary>[B, L] int64: left-padded prompt then the generated tokens.</summary>
    public Tensor SequenceIds { get; }

    /// <summary>[B, L] int64: 1 on prompt tokens and on generated tokens up to and including the stop token.</summary>
    public Tensor AttentionMask { get; }

    /// <summary>P, the padded prompt length: generated tokens occupy columns P..L-1.</summary>
    public int PromptLength { get; }

    /// <summary>[B, N] fp32: 1 on generated tokens that count as actions.</summary>
    public Tensor ActionMask { get; }

    /// <summary>[B, N] fp32: log π_old(a_t | s_t) of the rollout policy.</summary>
    public Tensor OldLogProbs { get; }

    /// <summary>[B, N] fp32: log π_ref(a_t | s_t) of the reference policy (the adapter disabled).</summary>
    public Tensor ReferenceLogProbs { get; }

    /// <summary>[B, N] fp32: V(s_t) from the critic at rollout time.</summary>
    public Tensor OldValues { get; }

    /// <summary>[B, N] fp32: whitened GAE advantages (0 off the action mask).</summary>
    public Tensor Advantages { get; }

    /// <summary>[B, N] fp32: GAE returns, the critic's targets.</summary>
    public Tensor Returns { get; }

    /// <summary>[B, N] fp32: the per-token KL estimate between the rollout and reference policies.</summary>
    public Tensor Kl { get; }

    /// <summary>[B] fp32: the sequence-level reward of each row (before the KL penalty).</summary>
    public Tensor SequenceRewards { get; }

    /// <summary>
    /// True when the experience was made for a critic-only update with the policy equal to its reference
    /// (<c>policyIsReference</c> of <see cref="PpoUpdater.MakeExperience"/>): the log-probs were not computed and are 0, as
    /// is the KL; <see cref="PpoUpdater.Update"/> refuses to update the actor from it.
    /// </summary>
    public bool CriticOnly { get; }

    /// <summary>B, the number of rows.</summary>
    public int Rows => (int)SequenceIds.shape[0];

    /// <inheritdoc />
    public void Dispose()
    {
        SequenceIds.Dispose();
        AttentionMask.Dispose();
        ActionMask.Dispose();
        OldLogProbs.Dispose();
        ReferenceLogProbs.Dispose();
        OldValues.Dispose();
        Advantages.Dispose();
        Returns.Dispose();
        Kl.Dispose();
        SequenceRewards.Dispose();
    }
}
