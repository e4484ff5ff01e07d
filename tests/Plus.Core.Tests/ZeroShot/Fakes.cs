namespace Plus.Core.Tests.ZeroShot;

/// <summary>A summarizer that answers a fixed text and counts its calls.</summary>
internal sealed class FixedSummarizer(string text) : IUserSummarizer
{
    public int Calls { get; private set; }

    public Task<IReadOnlyList<UserSummary>> SummarizeAsync(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        Calls++;
        return Task.FromResult<IReadOnlyList<UserSummary>>(contexts.Select(_ => new UserSummary(text)).ToArray());
    }
}

/// <summary>A reward model that scores a response by a lookup table and records its queries.</summary>
internal sealed class TableRewardModel(IReadOnlyDictionary<string, float> rewards) : IRewardModel
{
    public List<RewardQuery> Queries { get; } = [];

    public Task<IReadOnlyList<float>> ScoreAsync(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        Queries.AddRange(queries);
        return Task.FromResult<IReadOnlyList<float>>(queries.Select(q => rewards[q.Response]).ToArray());
    }
}
