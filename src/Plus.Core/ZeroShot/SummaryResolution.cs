namespace Plus.ZeroShot;

/// <summary>Finds the summary to use: the given one, else one written by the summarizer, else none.</summary>
internal static class SummaryResolution
{
    public static async Task<UserSummary?> ResolveAsync(
        UserSummary? summary, UserContext context, IUserSummarizer? summarizer, CancellationToken cancellationToken)
    {
        if (summary is not null) return summary;
        if (summarizer is null) return null;
        if (context.Pairs.Count == 0 && string.IsNullOrWhiteSpace(context.Profile) && context.AttributeHints is not { Count: > 0 }) return null;
        var summaries = await summarizer.SummarizeAsync([context], cancellationToken).ConfigureAwait(false);
        if (summaries is not { Count: 1 } || summaries[0] is null)
            throw new InvalidOperationException($"The summarizer {summarizer.GetType().Name} returned {summaries?.Count ?? 0} summaries for 1 context; expected exactly 1.");
        return summaries[0];
    }
}
