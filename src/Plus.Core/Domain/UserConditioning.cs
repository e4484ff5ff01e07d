namespace Plus;

/// <summary>
/// What a reward model or generator is told about the user. Exactly one of <see cref="Summary"/>,
/// <see cref="Context"/> or <see cref="OracleText"/> is set, matching <see cref="Kind"/> (none for <see cref="ConditioningKind.None"/>).
/// </summary>
public sealed record UserConditioning
{
    private UserConditioning(ConditioningKind kind, UserSummary? summary, UserContext? context, string? oracleText)
    {
        Kind = kind;
        Summary = summary;
        Context = context;
        OracleText = oracleText;
    }

    /// <summary>The kind of conditioning.</summary>
    public ConditioningKind Kind { get; }

    /// <summary>The summary, for <see cref="ConditioningKind.Summary"/>.</summary>
    public UserSummary? Summary { get; }

    /// <summary>The user's context, for <see cref="ConditioningKind.Context"/>.</summary>
    public UserContext? Context { get; }

    /// <summary>The ground-truth preference text, for <see cref="ConditioningKind.Oracle"/>.</summary>
    public string? OracleText { get; }

    /// <summary>No conditioning (BTL).</summary>
    public static UserConditioning None { get; } = new(ConditioningKind.None, null, null, null);

    /// <summary>Conditioning on a summary (PLUS).</summary>
    public static UserConditioning FromSummary(UserSummary summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return new(ConditioningKind.Summary, summary, null, null);
    }

    /// <summary>Conditioning on the user's past pairs written into the prompt (ICL).</summary>
    public static UserConditioning FromContext(UserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return new(ConditioningKind.Context, null, context, null);
    }

    /// <summary>Conditioning on the true preference text (Oracle).</summary>
    public static UserConditioning FromOracle(string oracleText)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(oracleText);
        return new(ConditioningKind.Oracle, null, null, oracleText);
    }
}
