namespace Plus;

/// <summary>Predicts which of two responses a user prefers, given what is known about the user (paper Algorithm 2).</summary>
public interface IPreferencePredictor
{
    /// <summary>Predicts the user's preference between <paramref name="first"/> and <paramref name="second"/>.</summary>
    /// <param name="context">The user's context; summarized unless <paramref name="summary"/> is given.</param>
    /// <param name="prompt">The new conversation.</param>
    /// <param name="first">The first candidate response.</param>
    /// <param name="second">The second candidate response.</param>
    /// <param name="summary">An edited or stored summary to use instead of summarizing <paramref name="context"/>.</param>
    /// <param name="cancellationToken">Stops the work.</param>
    Task<PreferencePrediction> PredictAsync(
        UserContext context, Conversation prompt, string first, string second,
        UserSummary? summary = null, CancellationToken cancellationToken = default);
}
