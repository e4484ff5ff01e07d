namespace Plus;

/// <summary>Turns users' contexts into short text summaries of their preferences (the paper's π<sub>θ</sub>(c) ↦ z).</summary>
/// <remarks>Implementations document their thread-safety; the Torch implementation serializes calls on one model.</remarks>
public interface IUserSummarizer
{
    /// <summary>Summarizes a batch of user contexts.</summary>
    /// <param name="contexts">The contexts, one per user.</param>
    /// <param name="cancellationToken">Stops the work between generation steps.</param>
    /// <returns>One summary per context, in the same order.</returns>
    Task<IReadOnlyList<UserSummary>> SummarizeAsync(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default);
}
