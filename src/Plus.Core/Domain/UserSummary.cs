namespace Plus;

/// <summary>A short text summary of a user's preferences (the paper's z). Immutable, compares by value.</summary>
/// <param name="Text">The summary text that conditions the reward model or a generator.</param>
/// <param name="Source">Where the summary came from.</param>
/// <param name="RawOutput">For generated summaries, the summarizer's whole output before extraction; otherwise null.</param>
/// <param name="Model">Optional name of the model that wrote it.</param>
public sealed record UserSummary(string Text, SummarySource Source = SummarySource.Generated, string? RawOutput = null, string? Model = null)
{
    /// <summary>A summary written or edited by the user (the paper's "users can read and edit").</summary>
    public static UserSummary FromUser(string text) => new(text, SummarySource.UserProvided);
}
