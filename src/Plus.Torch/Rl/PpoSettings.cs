namespace Plus.Torch.Rl;

/// <summary>PPO hyper-parameters (OpenRLHF's defaults, which the paper keeps).</summary>
public sealed record PpoSettings
{
    /// <summary>Policy ratio clip ε (default 0.2).</summary>
    public double ClipEpsilon { get; init; } = 0.2;

    /// <summary>Value clip around the rollout values (default 0.2; null turns it off).</summary>
    public double? ValueClipEpsilon { get; init; } = 0.2;

    /// <summary>Discount γ (default 1).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>GAE λ (default 0.95).</summary>
    public double Lambda { get; init; } = 0.95;

    /// <summary>Passes over each rollout batch (default 1).</summary>
    public int Epochs { get; init; } = 1;

    /// <summary>Rows per PPO minibatch (the paper's "summarizer training batch"; default 32).</summary>
    public int MiniBatchSize { get; init; } = 32;

    /// <summary>Global gradient-norm clip for actor and critic (default 1.0).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>The per-token KL estimator (default k1, as the paper's code).</summary>
    public KlEstimator KlEstimator { get; init; } = KlEstimator.K1;

    /// <summary>Whether advantages are whitened over the batch (default true).</summary>
    public bool WhitenAdvantages { get; init; } = true;

    /// <summary>Optional clip of the sequence reward to ±value before adding it (default none).</summary>
    public double? RewardClip { get; init; }

    /// <summary>
    /// The temperature the rollouts were sampled at (default 1.0). Policy and reference log-probs are computed from
    /// logits / T, so the PPO ratios and the KL penalty refer to the distribution that produced the tokens.
    /// </summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Checks the values, naming the first one out of range.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range.</exception>
    public void Validate()
    {
        if (!(ClipEpsilon > 0 && ClipEpsilon < 1)) throw new ArgumentOutOfRangeException(nameof(ClipEpsilon), ClipEpsilon, "must lie in (0, 1)");
        if (ValueClipEpsilon is { } v && !(v > 0)) throw new ArgumentOutOfRangeException(nameof(ValueClipEpsilon), v, "must be positive or null");
        if (!(Gamma > 0 && Gamma <= 1)) throw new ArgumentOutOfRangeException(nameof(Gamma), Gamma, "must lie in (0, 1]");
        if (!(Lambda >= 0 && Lambda <= 1)) throw new ArgumentOutOfRangeException(nameof(Lambda), Lambda, "must lie in [0, 1]");
        if (Epochs < 1) throw new ArgumentOutOfRangeException(nameof(Epochs), Epochs, "must be at least 1");
        if (MiniBatchSize < 1) throw new ArgumentOutOfRangeException(nameof(MiniBatchSize), MiniBatchSize, "must be at least 1");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "must be a positive finite number");
        if (!(MaxGradNorm > 0)) throw new ArgumentOutOfRangeException(nameof(MaxGradNorm), MaxGradNorm, "must be positive");
    }
}
