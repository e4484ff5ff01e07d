namespace Plus;

/// <summary>Scores responses under a user conditioning (the paper's r<sub>φ</sub>(s | z)). Higher is better.</summary>
public interface IRewardModel
{
    /// <summary>Scores a batch. A response's score does not depend on the other items in the batch.</summary>
    /// <param name="queries">What to score.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One scalar reward per query, in the same order.</returns>
    Task<IReadOnlyList<float>> ScoreAsync(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default);
}
