namespace Plus.Inference;

/// <summary>
/// Paper Algorithm 2 over a list of examples, for every conditioning: each example's user is conditioned as the method
/// allows (<see cref="PreferenceConditioning"/>: nothing, the context, the oracle text, or a summary written once per
/// distinct context), both responses are scored under it in batches, and P(chosen ≻ rejected) = σ(r_c − r_r). Every
/// trained model evaluates through this class.
/// </summary>
/// <remarks>Thread-safe when the summarizer and reward model are.</remarks>
public sealed class ConditionedPreferenceModel : IPreferenceModel
{
    private readonly IUserSummarizer? _summarizer;
    private readonly IRewardModel _rewardModel;
    private readonly ConditionedPreferenceModelOptions _options;

    /// <summary>Creates the model.</summary>
    /// <param name="summarizer">Writes one summary per distinct context (required for <see cref="ConditioningKind.Summary"/>).</param>
    /// <param name="rewardModel">The conditioned reward model.</param>
    /// <param name="options">Name, conditioning and batch sizes; null uses the defaults (PLUS, summaries).</param>
    /// <exception cref="ArgumentException">An option is out of range, or summary conditioning has no summarizer.</exception>
    public ConditionedPreferenceModel(IUserSummarizer? summarizer, IRewardModel rewardModel, ConditionedPreferenceModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(rewardModel);
        _options = options ?? new ConditionedPreferenceModelOptions();
        _options.Validate();
        if (_options.Kind == ConditioningKind.Summary) ArgumentNullException.ThrowIfNull(summarizer);
        _summarizer = summarizer;
        _rewardModel = rewardModel;
    }

    /// <inheritdoc />
    public string Name => _options.Name;

    /// <summary>How the reward model sees each example's user.</summary>
    public ConditioningKind Kind => _options.Kind;

    /// <summary>Summarizes each distinct context once, in batches; the result maps every context to its summary.</summary>
    /// <param name="contexts">The contexts (duplicates allowed).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>The summary of each distinct context.</returns>
    /// <exception cref="InvalidOperationException">There is no summarizer, or it returned the wrong number of summaries.</exception>
    public async Task<IReadOnlyDictionary<UserContext, UserSummary>> SummarizeDistinctAsync(IEnumerable<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        if (_summarizer is null) throw new InvalidOperationException($"{Name} has no summarizer.");
        var examples = contexts.Select(c => new PreferenceExample("_", c, new PreferencePair(Conversation.FromUser("_"), "_", "-"))).ToList();
        var (_, summaries) = await PreferenceConditioning.ConditionAsync(examples, ConditioningKind.Summary, _summarizer, _options.SummaryBatchSize, cancellationToken).ConfigureAwait(false);
        return summaries;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An example is null, or lacks what the conditioning needs (e.g. the oracle text).</exception>
    /// <exception cref="InvalidOperationException">The summarizer or reward model returned the wrong number of results.</exception>
    public async Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var (conditioning, _) = await PreferenceConditioning.ConditionAsync(examples, _options.Kind, _summarizer, _options.SummaryBatchSize, cancellationToken).ConfigureAwait(false);
        var queries = new List<RewardQuery>(examples.Count * 2);
        for (int i = 0; i < examples.Count; i++)
        {
            var target = examples[i].Target;
            queries.Add(new RewardQuery(target.Prompt, target.Chosen, conditioning[i]));
            queries.Add(new RewardQuery(target.Prompt, target.Rejected, conditioning[i]));
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
