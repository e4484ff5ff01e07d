namespace Plus.Torch.Reward;

/// <summary>
/// A trained reward model seen as a preference method (BTL, ICL, Oracle, PLUS-untrained): for each example it scores
/// the target's two responses under the method's conditioning and returns <c>σ(r_c − r_r)</c> (Bradley-Terry).
/// </summary>
/// <remarks>
/// For <see cref="ConditioningKind.Summary"/> the summaries come from the <see cref="IUserSummarizer"/> given at
/// construction, one per distinct user context in the batch. Disposing disposes the reward model when it is owned.
/// Thread-safety follows <see cref="ConditionedRewardModel.Score"/>.
/// </remarks>
public sealed class RewardPreferenceModel : IPreferenceModel, IDisposable
{
    private readonly bool _ownsModel;

    /// <summary>Creates the method.</summary>
    /// <param name="name">The display name (e.g. <c>ICL</c>).</param>
    /// <param name="kind">Which conditioning the reward model reads.</param>
    /// <param name="model">The trained reward model.</param>
    /// <param name="summarizer">Writes summaries for <see cref="ConditioningKind.Summary"/>; otherwise unused.</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this object (default true).</param>
    /// <exception cref="ArgumentException">Summary conditioning without a summarizer.</exception>
    public RewardPreferenceModel(string name, ConditioningKind kind, ConditionedRewardModel model, IUserSummarizer? summarizer = null, bool ownsModel = true)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentNullException.ThrowIfNull(model);
        if (kind == ConditioningKind.Summary && summarizer is null)
        {
            throw new ArgumentException("Summary conditioning needs an IUserSummarizer to write the summaries.", nameof(summarizer));
        }

        Name = name;
        Kind = kind;
        Model = model;
        Summarizer = summarizer;
        _ownsModel = ownsModel;
    }

    /// <inheritdoc />
    public string Name { get; }

    /// <summary>The conditioning the reward model reads.</summary>
    public ConditioningKind Kind { get; }

    /// <summary>The reward model.</summary>
    public ConditionedRewardModel Model { get; }

    /// <summary>The summarizer for <see cref="ConditioningKind.Summary"/>, or null.</summary>
    public IUserSummarizer? Summarizer { get; }

    /// <inheritdoc />
    public async Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (examples.Count == 0) return [];
        var conditionings = await ConditionAsync(examples, Kind, Summarizer, cancellationToken).ConfigureAwait(false);
        var queries = new RewardQuery[examples.Count * 2];
        for (int i = 0; i < examples.Count; i++)
        {
            var target = examples[i].Target;
            queries[i] = new RewardQuery(target.Prompt, target.Chosen, conditionings[i]);
            queries[examples.Count + i] = new RewardQuery(target.Prompt, target.Rejected, conditionings[i]);
        }

        var scores = await Model.ScoreAsync(queries, cancellationToken).ConfigureAwait(false);
        var result = new double[examples.Count];
        for (int i = 0; i < examples.Count; i++)
        {
            double margin = (double)scores[i] - scores[examples.Count + i];
            result[i] = 1.0 / (1.0 + Math.Exp(-margin));
        }

        return result;
    }

    /// <summary>
    /// The conditioning of each example for <paramref name="kind"/>; for <see cref="ConditioningKind.Summary"/> the
    /// summarizer is called once per distinct context.
    /// </summary>
    /// <param name="examples">The examples.</param>
    /// <param name="kind">The conditioning kind.</param>
    /// <param name="summarizer">Required for <see cref="ConditioningKind.Summary"/>.</param>
    /// <param name="cancellationToken">Passed to the summarizer.</param>
    /// <returns>One conditioning per example.</returns>
    public static async Task<IReadOnlyList<UserConditioning>> ConditionAsync(
        IReadOnlyList<PreferenceExample> examples, ConditioningKind kind, IUserSummarizer? summarizer, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (kind != ConditioningKind.Summary)
        {
            return [.. examples.Select(e => ExampleConditioning.For(e, kind))];
        }

        if (summarizer is null) throw new ArgumentException("Summary conditioning needs an IUserSummarizer.", nameof(summarizer));
        var contexts = examples.Select(e => e.Context).Distinct().ToList();
        var summaries = await summarizer.SummarizeAsync(contexts, cancellationToken).ConfigureAwait(false);
        if (summaries.Count != contexts.Count)
        {
            throw new InvalidOperationException($"The summarizer returned {summaries.Count} summaries for {contexts.Count} contexts.");
        }

        var byContext = new Dictionary<UserContext, UserSummary>();
        for (int i = 0; i < contexts.Count; i++) byContext[contexts[i]] = summaries[i];
        return [.. examples.Select(e => ExampleConditioning.For(e, kind, byContext[e.Context]))];
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_ownsModel) Model.Dispose();
    }
}
