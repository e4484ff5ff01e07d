namespace Plus;

/// <summary>Generates responses personalized with a user summary (paper Algorithm 3; best-of-N with Algorithm 2).</summary>
public interface IResponsePersonalizer
{
    /// <summary>Generates a response to <paramref name="prompt"/> for the user described by <paramref name="context"/>.</summary>
    /// <param name="context">The user's context; summarized unless <paramref name="summary"/> is given.</param>
    /// <param name="prompt">The new conversation.</param>
    /// <param name="candidates">How many candidates to sample; above 1, the reward model picks the best (best-of-N).</param>
    /// <param name="summary">An edited or stored summary to use instead of summarizing <paramref name="context"/>.</param>
    /// <param name="cancellationToken">Stops generation between tokens.</param>
    Task<PersonalizedResponse> PersonalizeAsync(
        UserContext context, Conversation prompt, int candidates = 1,
        UserSummary? summary = null, CancellationToken cancellationToken = default);
}
