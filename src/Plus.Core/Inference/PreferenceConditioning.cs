namespace Plus.Inference;

/// <summary>
/// What a method may see of a user, as the <see cref="UserConditioning"/> its reward model is scored under: nothing
/// (BTL), the user's past pairs (ICL), the true preference text (Oracle) or a summary of the context (PLUS). The one
/// place that maps a method's <see cref="ConditioningKind"/> to the conditioning of an example or a user.
/// </summary>
public static class PreferenceConditioning
{
    /// <summary>The conditioning of one example under <paramref name="kind"/>.</summary>
    /// <param name="example">The example.</param>
    /// <param name="kind">The method's conditioning.</param>
    /// <param name="summary">The summary of the example's context (required for <see cref="ConditioningKind.Summary"/>).</param>
    /// <returns>The conditioning.</returns>
    /// <exception cref="ArgumentException">Oracle conditioning of an example without <see cref="PreferenceExample.OraclePreference"/>, or summary conditioning without a summary.</exception>
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

    /// <summary>
    /// The conditioning of a user for a new prediction (Algorithm 2): for <see cref="ConditioningKind.Summary"/> the
    /// given summary; for <see cref="ConditioningKind.Oracle"/> the given text (the user's stated preference, passed as
    /// a <see cref="UserSummary"/>); for ICL the context; for BTL nothing.
    /// </summary>
    /// <param name="kind">The method's conditioning.</param>
    /// <param name="context">The user's context.</param>
    /// <param name="summary">The summary (Summary) or the stated preference (Oracle).</param>
    /// <returns>The conditioning.</returns>
    /// <exception cref="ArgumentException">Summary or Oracle conditioning without <paramref name="summary"/>.</exception>
    public static UserConditioning ForUser(ConditioningKind kind, UserContext context, UserSummary? summary)
    {
        ArgumentNullException.ThrowIfNull(context);
        return kind switch
        {
            ConditioningKind.None => UserConditioning.None,
            ConditioningKind.Context => UserConditioning.FromContext(context),
            ConditioningKind.Oracle => summary is { Text.Length: > 0 }
                ? UserConditioning.FromOracle(summary.Text)
                : throw new ArgumentException("The Oracle method conditions on the user's true preference text: pass it as the summary (UserSummary.FromUser(text)).", nameof(summary)),
            ConditioningKind.Summary => summary is null
                ? throw new ArgumentException("Summary conditioning needs a summary.", nameof(summary))
                : UserConditioning.FromSummary(summary),
            _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown conditioning kind."),
        };
    }

    /// <summary>
    /// The conditioning of every example. For <see cref="ConditioningKind.Summary"/> each distinct context is summarized
    /// once, in batches of <paramref name="summaryBatchSize"/>.
    /// </summary>
    /// <param name="examples">The examples.</param>
    /// <param name="kind">The method's conditioning.</param>
    /// <param name="summarizer">Writes the summaries (required for <see cref="ConditioningKind.Summary"/>).</param>
    /// <param name="summaryBatchSize">Distinct contexts per summarizer call (default 32).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One conditioning per example, in order, and the summary of each distinct context (empty unless Summary).</returns>
    /// <exception cref="ArgumentException">Summary conditioning without a summarizer, or an example is null.</exception>
    /// <exception cref="InvalidOperationException">The summarizer returned the wrong number of summaries.</exception>
    public static async Task<(IReadOnlyList<UserConditioning> Conditioning, IReadOnlyDictionary<UserContext, UserSummary> Summaries)> ConditionAsync(
        IReadOnlyList<PreferenceExample> examples, ConditioningKind kind, IUserSummarizer? summarizer, int summaryBatchSize = 32, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfLessThan(summaryBatchSize, 1);
        for (int i = 0; i < examples.Count; i++)
        {
            if (examples[i] is null) throw new ArgumentException($"examples[{i}] is null.", nameof(examples));
        }

        var summaries = new Dictionary<UserContext, UserSummary>();
        if (kind == ConditioningKind.Summary)
        {
            if (summarizer is null) throw new ArgumentException("Summary conditioning needs an IUserSummarizer to write the summaries.", nameof(summarizer));
            var distinct = examples.Select(e => e.Context).Distinct().ToList();
            for (int start = 0; start < distinct.Count; start += summaryBatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var batch = distinct.GetRange(start, Math.Min(summaryBatchSize, distinct.Count - start));
                var written = await summarizer.SummarizeAsync(batch, cancellationToken).ConfigureAwait(false);
                if (written is null || written.Count != batch.Count)
                {
                    throw new InvalidOperationException($"The summarizer {summarizer.GetType().Name} returned {written?.Count ?? 0} summaries for {batch.Count} contexts.");
                }

                for (int i = 0; i < batch.Count; i++) summaries[batch[i]] = written[i];
            }
        }

        var conditioning = new UserConditioning[examples.Count];
        for (int i = 0; i < examples.Count; i++)
        {
            conditioning[i] = For(examples[i], kind, kind == ConditioningKind.Summary ? summaries[examples[i].Context] : null);
        }

        return (conditioning, summaries);
    }
}
