namespace Plus.Torch.Reward;

/// <summary>Picks what a reward model is told about an example's user, by <see cref="ConditioningKind"/>.</summary>
public static class ExampleConditioning
{
    /// <summary>
    /// The conditioning of <paramref name="example"/> for <paramref name="kind"/>: none (BTL), the user's context
    /// (ICL), the example's <see cref="PreferenceExample.OraclePreference"/> (Oracle), or <paramref name="summary"/>.
    /// </summary>
    /// <param name="example">The example.</param>
    /// <param name="kind">The kind of conditioning.</param>
    /// <param name="summary">The user's summary, required for <see cref="ConditioningKind.Summary"/>.</param>
    /// <returns>The conditioning.</returns>
    /// <exception cref="ArgumentException">The example lacks what the kind needs (no Oracle text, no summary); the message names the user.</exception>
    public static UserConditioning For(PreferenceExample example, ConditioningKind kind, UserSummary? summary = null)
    {
        ArgumentNullException.ThrowIfNull(example);
        return kind switch
        {
            ConditioningKind.None => UserConditioning.None,
            ConditioningKind.Context => UserConditioning.FromContext(example.Context),
            ConditioningKind.Oracle => string.IsNullOrWhiteSpace(example.OraclePreference)
                ? throw new ArgumentException($"Example of user '{example.UserId}' has no OraclePreference; the Oracle method needs the true preference text.", nameof(example))
                : UserConditioning.FromOracle(example.OraclePreference),
            ConditioningKind.Summary => summary is null
                ? throw new ArgumentException($"Summary conditioning of user '{example.UserId}' needs a summary.", nameof(summary))
                : UserConditioning.FromSummary(summary),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown conditioning kind."),
        };
    }

    /// <summary>The paper's name of the method that trains a reward model with this conditioning: BTL, PLUS, ICL, Oracle.</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The name.</returns>
    public static string MethodName(ConditioningKind kind) => kind switch
    {
        ConditioningKind.None => "BTL",
        ConditioningKind.Summary => "PLUS",
        ConditioningKind.Context => "ICL",
        ConditioningKind.Oracle => "Oracle",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown conditioning kind."),
    };
}
