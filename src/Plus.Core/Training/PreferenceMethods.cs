namespace Plus.Training;

/// <summary>
/// The methods of the paper's Table 1 by name: the one place their names and their conditioning are defined. Method
/// names are compared case-insensitively.
/// </summary>
public static class PreferenceMethods
{
    /// <summary>Bradley-Terry reward model with no user information.</summary>
    public const string Btl = "BTL";

    /// <summary>Distributional preference learning (mean-variance or categorical), no user information.</summary>
    public const string Dpl = "DPL";

    /// <summary>Variational preference learning: a latent user vector encoded from the context pairs.</summary>
    public const string Vpl = "VPL";

    /// <summary>In-context learning: the user's past pairs in the reward model's prompt.</summary>
    public const string Icl = "ICL";

    /// <summary>PLUS with the summarizer left untrained: only the reward model learns (the ablation of PPO).</summary>
    public const string PlusUntrained = "PLUS-untrained";

    /// <summary>PLUS: summarizer (PPO) and summary-conditioned reward model co-trained (Algorithm 1).</summary>
    public const string Plus = "PLUS";

    /// <summary>The reward model conditioned on the user's true preference text (an upper bound).</summary>
    public const string Oracle = "Oracle";

    /// <summary>Every method, in the paper's Table 1 order.</summary>
    public static IReadOnlyList<string> All { get; } = [Btl, Dpl, Vpl, Icl, PlusUntrained, Plus, Oracle];

    /// <summary>The method's canonical spelling (e.g. <c>plus-untrained</c> → <c>PLUS-untrained</c>).</summary>
    /// <param name="name">A method name, any case.</param>
    /// <returns>The canonical name.</returns>
    /// <exception cref="ArgumentException">Not a known method; the message lists them.</exception>
    public static string Canonical(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return All.FirstOrDefault(m => string.Equals(m, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException($"'{name}' is not a known method; use one of {string.Join(", ", All)}.", nameof(name));
    }

    /// <summary>How the method's reward model sees the user.</summary>
    /// <param name="name">A method name, any case.</param>
    /// <returns>The conditioning kind (DPL: none; VPL: the context, through its latent encoder).</returns>
    /// <exception cref="ArgumentException">Not a known method.</exception>
    public static ConditioningKind ConditioningOf(string name) => Canonical(name) switch
    {
        Btl or Dpl => ConditioningKind.None,
        Vpl or Icl => ConditioningKind.Context,
        Plus or PlusUntrained => ConditioningKind.Summary,
        _ => ConditioningKind.Oracle,
    };

    /// <summary>The Bradley-Terry method that conditions on <paramref name="kind"/> (BTL, ICL, Oracle; PLUS for summaries).</summary>
    /// <param name="kind">The conditioning.</param>
    /// <returns>The method name.</returns>
    public static string ForConditioning(ConditioningKind kind) => kind switch
    {
        ConditioningKind.None => Btl,
        ConditioningKind.Summary => Plus,
        ConditioningKind.Context => Icl,
        ConditioningKind.Oracle => Oracle,
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown conditioning kind."),
    };
}
