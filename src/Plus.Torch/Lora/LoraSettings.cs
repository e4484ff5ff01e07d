namespace Plus.Torch.Lora;

/// <summary>
/// Hyper-parameters of a LoRA adapter, named like PEFT's <c>LoraConfig</c>: rank <c>r</c>, <c>lora_alpha</c>,
/// <c>lora_dropout</c>, <c>target_modules</c>, <c>modules_to_save</c>, <c>use_rslora</c>.
/// </summary>
/// <remarks>
/// The low-rank update of a frozen weight W [out, in] is <c>ΔW = s · B·A</c> with A [r, in], B [out, r] and
/// scaling <c>s = alpha / r</c> (or <c>alpha / √r</c> with <see cref="UseRsLora"/>). Immutable.
/// </remarks>
public sealed record LoraSettings
{
    /// <summary>The shorthand that targets every projection of the decoder (PEFT's <c>all-linear</c>; the LM head is never targeted).</summary>
    public const string AllLinear = "all-linear";

    /// <summary>The projection names a decoder layer offers, in layer order.</summary>
    public static IReadOnlyList<string> ProjectionNames { get; } = ["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"];

    /// <summary>The rank r ≥ 1 (default 8).</summary>
    public int Rank { get; init; } = 8;

    /// <summary>lora_alpha &gt; 0 (default 16); the update is scaled by alpha / r.</summary>
    public double Alpha { get; init; } = 16;

    /// <summary>Dropout probability in [0, 1) applied to the adapter's input during training (default 0).</summary>
    public double Dropout { get; init; }

    /// <summary>
    /// The projections to adapt, by module name (<c>q_proj</c>, <c>k_proj</c>, <c>v_proj</c>, <c>o_proj</c>,
    /// <c>gate_proj</c>, <c>up_proj</c>, <c>down_proj</c>) or the single entry <see cref="AllLinear"/> (the default).
    /// </summary>
    public IReadOnlyList<string> TargetModules { get; init; } = [AllLinear];

    /// <summary>
    /// Extra modules trained in full and saved with the adapter (PEFT's <c>modules_to_save</c>); a reward model adds
    /// its head <c>score</c> here. Default: none.
    /// </summary>
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];

    /// <summary>Rank-stabilized scaling alpha / √r instead of alpha / r (PEFT's <c>use_rslora</c>; default false).</summary>
    public bool UseRsLora { get; init; }

    /// <summary>The scaling s applied to B·A.</summary>
    public double Scaling => UseRsLora ? Alpha / Math.Sqrt(Rank) : Alpha / Rank;

    /// <summary>The target names with <see cref="AllLinear"/> expanded, in <see cref="ProjectionNames"/> order.</summary>
    /// <returns>The distinct projection names to adapt.</returns>
    public IReadOnlyList<string> ResolveTargets()
    {
        Validate();
        if (TargetModules.Any(t => t == AllLinear)) return ProjectionNames;
        return ProjectionNames.Where(p => TargetModules.Contains(p)).ToArray();
    }

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentException">A value is invalid; the message names the setting and what is allowed.</exception>
    public void Validate()
    {
        if (Rank < 1) throw new ArgumentException($"LoRA {nameof(Rank)} must be at least 1, found {Rank}.");
        if (!(Alpha > 0) || !double.IsFinite(Alpha)) throw new ArgumentException($"LoRA {nameof(Alpha)} must be a positive number, found {Alpha}.");
        if (!(Dropout >= 0 && Dropout < 1)) throw new ArgumentException($"LoRA {nameof(Dropout)} must lie in [0, 1), found {Dropout}.");
        if (TargetModules is null || TargetModules.Count == 0)
        {
            throw new ArgumentException($"LoRA {nameof(TargetModules)} must name at least one projection ({string.Join(", ", ProjectionNames)}) or be '{AllLinear}'.");
        }

        foreach (var target in TargetModules)
        {
            if (target != AllLinear && !ProjectionNames.Contains(target))
            {
                throw new ArgumentException(
                    $"LoRA target module '{target}' is not a decoder projection; valid: {string.Join(", ", ProjectionNames)} or '{AllLinear}'.");
            }
        }

        if (ModulesToSave is null) throw new ArgumentException($"LoRA {nameof(ModulesToSave)} must not be null (use an empty list).");
        foreach (var module in ModulesToSave)
        {
            if (string.IsNullOrWhiteSpace(module)) throw new ArgumentException($"LoRA {nameof(ModulesToSave)} holds an empty name.");
        }
    }
}
