namespace Plus.Inference;

/// <summary>
/// Paper Algorithm 2 over any summarizer and summary-conditioned reward model: summarize the user's context into z
/// (unless a summary is passed, for example one the user edited), score both responses conditioned on z, and return
/// P(first ≻ second) = σ(r(first | z) − r(second | z)) with the summary that explains it.
/// </summary>
/// <remarks>Thread-safe when the summarizer and reward model are.</remarks>
public sealed class SummaryPreferencePredictor : IPreferencePredictor
{
    private readonly IUserSummarizer _summarizer;
    private readonly IRewardModel _rewardModel;

    /// <summary>Creates a predictor.</summary>
    /// <param name="summarizer">Writes the summary when none is passed.</param>
    /// <param name="rewardModel">The summary-conditioned reward model.</param>
    public SummaryPreferencePredictor(IUserSummarizer summarizer, IRewardModel rewardModel)
    {
        ArgumentNullException.ThrowIfNull(summarizer);
        ArgumentNullException.ThrowIfNull(rewardModel);
        _summarizer = summarizer;
        _rewardModel = rewardModel;
    }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The summarizer or reward model returned the wrong number of results.</exception>
    public async Task<PreferencePrediction> PredictAsync(
        UserContext context, Conversation prompt, string first, string second,
        UserSummary? summary = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        cancellationToken.ThrowIfCancellationRequested();
        if (summary is null)
        {
            var summaries = await _summarizer.SummarizeAsync([context], cancellationToken).ConfigureAwait(false);
            summary = Single(summaries, _summarizer);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var conditioning = UserConditioning.FromSummary(summary);
        var rewards = await _rewardModel.ScoreAsync(
            [new RewardQuery(prompt, first, conditioning), new RewardQuery(prompt, second, conditioning)], cancellationToken).ConfigureAwait(false);
        if (rewards is not { Count: 2 })
        {
            throw new InvalidOperationException($"The reward model {_rewardModel.GetType().Name} returned {rewards?.Count ?? 0} rewards for 2 queries.");
        }

        return new PreferencePrediction(BradleyTerry.Probability(rewards[0], rewards[1]), rewards[0], rewards[1], summary);
    }

    private static UserSummary Single(IReadOnlyList<UserSummary> summaries, IUserSummarizer summarizer) =>
        summaries is { Count: 1 } && summaries[0] is { } s
            ? s
            : throw new InvalidOperationException($"The summarizer {summarizer.GetType().Name} returned {summaries?.Count ?? 0} summaries for 1 context; expected exactly 1.");
}
