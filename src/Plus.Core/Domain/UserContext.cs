namespace Plus;

/// <summary>
/// What is known about a user before a new prediction: past preference pairs in order (the paper's c),
/// an optional self-stated profile, and optional hints about which attributes may matter. Immutable, compares by value.
/// </summary>
/// <param name="Pairs">The user's past preference pairs, oldest first.</param>
/// <param name="Profile">Optional self-stated preferences (PRISM's survey ratings rendered as text, for example).</param>
/// <param name="AttributeHints">Optional names of attributes that may matter (UltraFeedback's, for example).</param>
public sealed record UserContext(ValueList<PreferencePair> Pairs, string? Profile = null, ValueList<string>? AttributeHints = null)
{
    /// <summary>A context with no pairs and no profile.</summary>
    public static UserContext Empty { get; } = new(ValueList<PreferencePair>.Empty);
}
