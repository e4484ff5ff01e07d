namespace Plus;

/// <summary>A response generated for a user (paper Algorithm 3), possibly picked from several (best-of-N).</summary>
/// <param name="Text">The chosen response.</param>
/// <param name="Summary">The summary that conditioned generation.</param>
/// <param name="Candidates">All candidates generated (one unless best-of-N), in generation order.</param>
/// <param name="Rewards">The summary-conditioned reward of each candidate, when a reward model ranked them; otherwise null.</param>
public sealed record PersonalizedResponse(string Text, UserSummary Summary, IReadOnlyList<string> Candidates, IReadOnlyList<float>? Rewards);
