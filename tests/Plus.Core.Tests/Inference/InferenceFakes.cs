namespace Plus.Core.Tests.Inference;

/// <summary>Writes "summary of N pairs: first chosen" and records every call.</summary>
internal sealed class FakeSummarizer : IUserSummarizer
{
    public List<IReadOnlyList<UserContext>> Calls { get; } = [];

    public Task<IReadOnlyList<UserSummary>> SummarizeAsync(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Calls.Add(contexts);
        IReadOnlyList<UserSummary> summaries = contexts.Select(c => new UserSummary(Describe(c), RawOutput: "##Summary " + Describe(c), Model: "fake")).ToList();
        return Task.FromResult(summaries);
    }

    public static string Describe(UserContext c) => $"likes {c.Pairs[0].Chosen}";
}

/// <summary>Scores a response by a lookup on (summary text, response); records every call.</summary>
internal sealed class FakeRewardModel(Func<string, string, float> score) : IRewardModel
{
    public List<IReadOnlyList<RewardQuery>> Calls { get; } = [];

    public Task<IReadOnlyList<float>> ScoreAsync(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Calls.Add(queries);
        IReadOnlyList<float> rewards = queries.Select(q => score(q.Conditioning.Summary!.Text, q.Response)).ToList();
        return Task.FromResult(rewards);
    }
}
