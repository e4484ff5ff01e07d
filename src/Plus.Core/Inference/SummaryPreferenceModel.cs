namespace Plus.Inference;

/// <summary>
/// PLUS as an <see cref="IPreferenceModel"/> for evaluation: paper Algorithm 2 over a list of examples. Each distinct
/// user context is summarized once (in batches), then every example's chosen and rejected responses are scored
/// conditioned on its context's summary (in batches), and P(chosen ≻ rejected) = σ(r_c − r_r).
/// </summary>
/// <remarks>Thread-safe when the summarizer and reward model are.</remarks>
public sealed class SummaryPreferenceModel : IPreferenceModel
{
    private readonly IUserSummarizer _summarizer;
    private readonly IRewardModel _rewardModel;
    private readonly SummaryPreferenceModelOptions _options;

    /// <summary>Creates the model.</summary>
    /// <param name="summarizer">Writes one summary per distinct context.</param>
    /// <param name="rewardModel">The summary-conditioned reward model.</param>
    /// <param name="options">Name and batch sizes; null uses the defaults.</param>
    /// <exception cref="ArgumentException">An option is out of range.</exception>
    public SummaryPreferenceModel(IUserSummarizer summarizer, IRewardModel rewardModel, SummaryPreferenceModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(summarizer);
        ArgumentNullException.ThrowIfNull(rewardModel);
        _options = options ?? new SummaryPreferenceModelOptions();
        _options.Validate();
        _summarizer = summarizer;
        _rewardModel = rewardModel;
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <summary>Summarizes each distinct context once, in batches; the result maps every context to its summary.</summary>
    /// <param name="contexts">The contexts (duplicates allowed).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>The summary of each distinct context.</returns>
    /// <exception cref="InvalidOperationException">The summarizer returned the wrong number of summaries.</exception>
    public async Task<IReadOnlyDictionary<UserContext, UserSummary>> SummarizeDistinctAsync(IEnumerable<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        var distinct = contexts.Distinct().ToList();
        var summaries = new Dictionary<UserContext, UserSummary>(distinct.Count);
        for (int start = 0; start < distinct.Count; start += _options.SummaryBatchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = distinct.GetRange(start, Math.Min(_options.SummaryBatchSize, distinct.Count - start));
            var written = await _summarizer.SummarizeAsync(batch, cancellationToken).ConfigureAwait(false);
            if (written is null || written.Count != batch.Count)
            {
                throw new InvalidOperationException($"The summarizer {_summarizer.GetType().Name} returned {written?.Count ?? 0} summaries for {batch.Count} contexts.");
            }

            for (int i = 0; i < batch.Count; i++) summaries[batch[i]] = written[i];
        }

        return summaries;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An example is null.</exception>
    /// <exception cref="InvalidOperationException">The summarizer or reward model returned the wrong number of results.</exception>
    public async Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        for (int i = 0; i < examples.Count; i++)
        {
            if (examples[i] is null) throw new ArgumentException($"examples[{i}] is null.", nameof(examples));
        }

        var summaries = await SummarizeDistinctAsync(examples.Select(e => e.Context), cancellationToken).ConfigureAwait(false);
        var queries = new List<RewardQuery>(examples.Count * 2);
        foreach (var example in examples)
        {
            var conditioning = UserConditioning.FromSummary(summaries[example.Context]);
            queries.Add(new RewardQuery(example.Target.Prompt, example.Target.Chosen, conditioning));
            queries.Add(new RewardQuery(example.Target.Prompt, example.Target.Rejected, conditioning));
        }

        int batchSize = _options.RewardBatchSize - (_options.RewardBatchSize % 2);
        var rewards = new List<float>(queries.Count);
        for (int start = 0; start < queries.Count; start += batchSize)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = queries.GetRange(start, Math.Min(batchSize, queries.Count - start));
            var scored = await _rewardModel.ScoreAsync(batch, cancellationToken).ConfigureAwait(false);
            if (scored is null || scored.Count != batch.Count)
            {
                throw new InvalidOperationException($"The reward model {_rewardModel.GetType().Name} returned {scored?.Count ?? 0} rewards for {batch.Count} queries.");
            }

            rewards.AddRange(scored);
        }

        var probabilities = new double[examples.Count];
        for (int i = 0; i < probabilities.Length; i++) probabilities[i] = BradleyTerry.Probability(rewards[2 * i], rewards[(2 * i) + 1]);
        return probabilities;
    }
}
