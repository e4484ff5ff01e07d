namespace Plus.Torch.Generation;

/// <summary>How to generate tokens. Immutable; thread-safe.</summary>
/// <remarks>
/// Greedy by default. With <see cref="DoSample"/>, logits are divided by <see cref="Temperature"/>, then restricted to
/// the <see cref="TopK"/> most likely tokens and to the smallest set whose probability reaches <see cref="TopP"/>,
/// and a token is drawn. The log-prob reported for each token is taken under the temperature-scaled distribution
/// <em>before</em> top-k/top-p filtering (for greedy decoding: under the raw model distribution), which is the
/// distribution PPO's ratio and KL terms use.
/// </remarks>
public sealed record GenerationOptions
{
    /// <summary>Most new tokens per row (default 64).</summary>
    public int MaxNewTokens { get; init; } = 64;

    /// <summary>Stop tokens (usually end-of-sequence or end-of-turn) are suppressed until a row has this many new tokens (default 0).</summary>
    public int MinNewTokens { get; init; }

    /// <summary>Sample instead of picking the most likely token (default false: greedy).</summary>
    public bool DoSample { get; init; }

    /// <summary>Sampling temperature, &gt; 0 (default 1.0). Ignored by greedy decoding.</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Keep only the K most likely tokens when sampling; 0 turns it off (default 0).</summary>
    public int TopK { get; init; }

    /// <summary>Nucleus sampling: keep the smallest set of tokens whose probability reaches P, in (0, 1] (default 1.0: off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Seed for reproducible sampling; <see langword="null"/> draws a fresh seed per call.</summary>
    public long? Seed { get; init; }

    /// <summary>Token ids that end a row (included in its output), e.g. the config's <c>eos_token_id</c> list.</summary>
    public IReadOnlyList<int> StopTokenIds { get; init; } = [];

    /// <summary>
    /// Optional test run after every step on each unfinished row with the row index and its new tokens so far
    /// (the latest last); returning true ends the row with <see cref="FinishReason.Stop"/>. Used for stop strings.
    /// Setting it costs one small device-to-host copy per step.
    /// </summary>
    public Func<int, IReadOnlyList<int>, bool>? StopPredicate { get; init; }

    /// <summary>Token written after a row has finished (default 0); those positions are masked out.</summary>
    public int PadTokenId { get; init; }

    /// <summary>Use the KV cache (default true). False recomputes the whole sequence at every step (slow; for checks).</summary>
    public bool UseCache { get; init; } = true;

    /// <summary>
    /// With the cache, multiply q/k/v and gate/up as one matrix each (default true), also under LoRA: the base
    /// weights and the adapters' A and B matrices are concatenated, and the low-rank update is still added after the
    /// base product, so the numbers are those of the separate layers up to rounding. Costs a temporary copy of those
    /// weights for the duration of the call. Turned off automatically when a projection holds another kind of
    /// module, or while LoRA dropout is active (the model in train mode with dropout &gt; 0).
    /// </summary>
    public bool FuseProjections { get; init; } = true;

    /// <summary>
    /// When neither a stop predicate nor streaming needs the tokens on the host, the loop checks whether every row
    /// has finished only every this many steps (default 8), keeping the decode loop free of host synchronisation.
    /// </summary>
    public int StopCheckInterval { get; init; } = 8;

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it and the valid range.</exception>
    public void Validate()
    {
        if (MaxNewTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxNewTokens), MaxNewTokens, "MaxNewTokens must be at least 1.");
        if (MinNewTokens < 0 || MinNewTokens > MaxNewTokens)
        {
            throw new ArgumentOutOfRangeException(nameof(MinNewTokens), MinNewTokens, $"MinNewTokens must be in [0, MaxNewTokens = {MaxNewTokens}].");
        }

        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "Temperature must be a positive finite number.");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "TopK must be 0 (off) or positive.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "TopP must be in (0, 1].");
        if (PadTokenId < 0) throw new ArgumentOutOfRangeException(nameof(PadTokenId), PadTokenId, "PadTokenId must be a valid token id.");
        if (StopCheckInterval < 1) throw new ArgumentOutOfRangeException(nameof(StopCheckInterval), StopCheckInterval, "StopCheckInterval must be at least 1.");
        ArgumentNullException.ThrowIfNull(StopTokenIds);
    }
}
