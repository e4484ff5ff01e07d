namespace Plus;

/// <summary>
/// A prompt with two responses, the first chosen by the user over the second. Immutable, compares by value.
/// </summary>
/// <param name="Prompt">The conversation the responses answer.</param>
/// <param name="Chosen">The response the user preferred (s<sub>A</sub> in the paper).</param>
/// <param name="Rejected">The response the user rejected (s<sub>B</sub>).</param>
public sealed record PreferencePair(Conversation Prompt, string Chosen, string Rejected);
