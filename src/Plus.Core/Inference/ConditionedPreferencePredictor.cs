namespace Plus.Inference;

/// <summary>
/// Paper Algorithm 2 for one user and one new pair, for every conditioning. With summaries: summarize the user's
/// context into z (unless a summary is passed, for example one the user edited), score both responses conditioned on
/// z, and return P(first ≻ second) = σ(r(first | z) − r(second | z)) with the summary that explains it. ICL conditions
/// on the context, BTL on nothing, Oracle on the stated preference passed as <c>summary</c>.
/// </summary>
/// <remarks>Thread-safe when the summarizer and reward model are.</remarks>
public sealed class ConditionedPreferencePredictor : IPreferencePredictor
{
    private readonly IUserSummarizer? _summarizer;
    private readonly IRewardModel _rewardModel;

    /// <summary>Creates a predictor with summary conditioning (PLUS).</summary>
    /// <param name="summarizer">Writes the summary when none is passed.</param>
    /// <param name="rewardModel">The summary-conditioned reward model.</param>
    public ConditionedPreferencePredictor(IUserSummarizer summarizer, IRewardModel rewardModel)
        : this(rewardModel, ConditioningKind.Summary, summarizer ?? throw new ArgumentNullException(nameof(summarizer)))
    {
    }

    /// <summary>Creates a predictor for any conditioning.</summary>
    /// <param name="rewardModel">The conditioned reward model.</param>
    /// <param name="kind">How the reward model sees the user.</param>
    /// <param name="summarizer">Writes summaries (summary conditioning only; may be null when summaries are always passed).</param>
    public ConditionedPreferencePredictor(IRewardModel rewardModel, ConditioningKind kind, IUserSummarizer? summarizer = null)
    {
        ArgumentNullException.ThrowIfNull(rewardModel);
        if (!Enum.IsDefined(kind)) throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown conditioning kind.");
        _summarizer = summarizer;
        _rewardModel = rewardModel;
        Kind = kind;
    }

    /// <summary>How the reward model sees the user.</summary>
    public ConditioningKind Kind { get; }

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The summarizer or reward model returned the wrong number of results, or a summary is needed and there is no summarizer.</exception>
    public async Task<PreferencePrediction> PredictAsync(
        UserContext context, Conversation prompt, string first, string second,
        UserSummary? summary = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        cancellationToken.ThrowIfCancellationRequested();
        if (summary is null && Kind == ConditioningKind.Summary)
        {
            var summarizer = _summarizer ?? throw new InvalidOperationException("This predictor has no summarizer: pass the user's summary.");
            var summaries = await summarizer.SummarizeAsync([context], cancellationToken).ConfigureAwait(false);
            summary = Single(summaries, summarizer);
        }

        cancellationToken.ThrowIfCancellationRequested();
        var conditioning = PreferenceConditioning.ForUser(Kind, context, summary);
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
