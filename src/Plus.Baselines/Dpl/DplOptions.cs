namespace Plus.Baselines.Dpl;

/// <summary>The hyper-parameters of a DPL reward model and its loss (see <c>docs/baselines.md</c>).</summary>
public sealed record DplOptions
{
    /// <summary>The head: <see cref="DplVariant.MeanVariance"/> (default) or <see cref="DplVariant.Categorical"/>.</summary>
    public DplVariant Variant { get; init; } = DplVariant.MeanVariance;

    /// <summary>
    /// Mean-variance only: weight of the penalty <c>mean(σ_c² + σ_r²)</c> added to the loss, ≥ 0 (default 0, as the
    /// anchor's default).
    /// </summary>
    public double VariancePenalty { get; init; }

    /// <summary>Categorical only: the number of atoms on [0, 1], ≥ 2 (default 10, the anchor's).</summary>
    public int Atoms { get; init; } = 10;

    /// <summary>
    /// Categorical only: weight of the entropy bonus on the batch-mean atom distribution, subtracted from the loss,
    /// ≥ 0 (default 0.1, the anchor's).
    /// </summary>
    public double EntropyBonus { get; init; } = 0.1;

    /// <summary>The number of head outputs: 2 for mean-variance, <see cref="Atoms"/> for categorical (HF's <c>num_labels</c>).</summary>
    public int Outputs => Variant == DplVariant.MeanVariance ? 2 : Atoms;

    /// <summary>Checks every value.</summary>
    /// <exception cref="ArgumentOutOfRangeException">A value is out of range; the message names the option.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Variant)) throw new ArgumentOutOfRangeException(nameof(Variant), Variant, $"{nameof(DplOptions)}.{nameof(Variant)} must be MeanVariance or Categorical.");
        if (!(VariancePenalty >= 0) || !double.IsFinite(VariancePenalty)) throw new ArgumentOutOfRangeException(nameof(VariancePenalty), VariancePenalty, $"{nameof(DplOptions)}.{nameof(VariancePenalty)} must be a finite number ≥ 0.");
        if (Atoms < 2) throw new ArgumentOutOfRangeException(nameof(Atoms), Atoms, $"{nameof(DplOptions)}.{nameof(Atoms)} must be at least 2.");
        if (!(EntropyBonus >= 0) || !double.IsFinite(EntropyBonus)) throw new ArgumentOutOfRangeException(nameof(EntropyBonus), EntropyBonus, $"{nameof(DplOptions)}.{nameof(EntropyBonus)} must be a finite number ≥ 0.");
    }
}
