namespace Plus.Data;

/// <summary>Options of <see cref="UltraFeedbackPBuilder"/>. Defaults follow the PLUS paper (appendix B).</summary>
public sealed class UltraFeedbackPOptions
{
    /// <summary>The largest context the builder accepts (<see cref="MaxContextPairs"/>).</summary>
    public const int ContextPairsLimit = 8;

    /// <summary>UF-P-2 or UF-P-4. Default <see cref="UltraFeedbackPVariant.P2"/>.</summary>
    public UltraFeedbackPVariant Variant { get; set; } = UltraFeedbackPVariant.P2;

    /// <summary>Number of training examples; null for the paper's size (10,000 for P-2, 40,000 for P-4).</summary>
    public int? TrainExamples { get; set; }

    /// <summary>Number of test examples. Default 2,000.</summary>
    public int TestExamples { get; set; } = 2000;

    /// <summary>Fraction of UltraFeedback prompts (rows) held out for the test set, in (0, 1). Default 0.1.</summary>
    public double TestPromptFraction { get; set; } = 0.1;

    /// <summary>Fewest past pairs in a context. Default 2.</summary>
    public int MinContextPairs { get; set; } = 2;

    /// <summary>Most past pairs in a context, at most <see cref="ContextPairsLimit"/>. Default 4.</summary>
    public int MaxContextPairs { get; set; } = 4;

    /// <summary>Target pairs per user (all sharing the user's context). Default 1: every example has its own user and context, as in VPL.</summary>
    public int ExamplesPerUser { get; set; } = 1;

    /// <summary>How many times a context is resampled until it identifies the user's attribute before the build fails. Default 100.</summary>
    public int MaxContextAttempts { get; set; } = 100;

    /// <summary>Whether contexts carry the variant's attribute names as <see cref="UserContext.AttributeHints"/>. Default true.</summary>
    public bool IncludeAttributeHints { get; set; } = true;

    /// <summary>Seeds every random choice; the same seed and input give identical data. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>The training size in effect (<see cref="TrainExamples"/> or the variant's default).</summary>
    public int EffectiveTrainExamples => TrainExamples ?? (Variant == UltraFeedbackPVariant.P4 ? 40_000 : 10_000);

    /// <summary>The attributes (user types) of <see cref="Variant"/>, in order.</summary>
    public IReadOnlyList<UltraFeedbackAttribute> Attributes => Variant == UltraFeedbackPVariant.P4
        ? new[] { UltraFeedbackAttribute.Helpfulness, UltraFeedbackAttribute.Honesty, UltraFeedbackAttribute.InstructionFollowing, UltraFeedbackAttribute.Truthfulness }
        : new[] { UltraFeedbackAttribute.Helpfulness, UltraFeedbackAttribute.Honesty };

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (!Enum.IsDefined(Variant)) throw new ArgumentOutOfRangeException(nameof(Variant), Variant, "Variant must be P2 or P4.");
        if (TrainExamples is { } train) ArgumentOutOfRangeException.ThrowIfNegative(train, nameof(TrainExamples));
        ArgumentOutOfRangeException.ThrowIfNegative(TestExamples, nameof(TestExamples));
        if (!(TestPromptFraction > 0 && TestPromptFraction < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(TestPromptFraction), TestPromptFraction, "TestPromptFraction must be in (0, 1).");
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(MinContextPairs, 1, nameof(MinContextPairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContextPairs, MinContextPairs, nameof(MaxContextPairs));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxContextPairs, ContextPairsLimit, nameof(MaxContextPairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(ExamplesPerUser, 1, nameof(ExamplesPerUser));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxContextAttempts, 1, nameof(MaxContextAttempts));
    }
}
