namespace Plus;

/// <summary>
/// One training or evaluation example: a user, what is known about them, and a new pair whose preference is to be
/// predicted. Immutable, compares by value.
/// </summary>
/// <param name="UserId">Identifies the user; every example of a user shares it.</param>
/// <param name="Context">The user's context (never contains <paramref name="Target"/>).</param>
/// <param name="Target">The pair to predict, chosen first.</param>
/// <param name="OraclePreference">Optional ground-truth preference text (the paper's Oracle, appendix E).</param>
/// <param name="Group">Optional evaluation group such as <c>controversial</c> or <c>agreed</c>; metrics report per group.</param>
/// <param name="UserType">Optional latent user type (for synthetic data such as Pets: <c>dog</c> or <c>cat</c>).</param>
public sealed record PreferenceExample(
    string UserId,
    UserContext Context,
    PreferencePair Target,
    string? OraclePreference = null,
    string? Group = null,
    string? UserType = null);
