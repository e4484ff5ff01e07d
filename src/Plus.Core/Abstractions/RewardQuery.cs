namespace Plus;

/// <summary>One response to score: the prompt, the response and what the model is told about the user.</summary>
/// <param name="Prompt">The conversation the response answers.</param>
/// <param name="Response">The assistant response to score.</param>
/// <param name="Conditioning">What the model is told about the user.</param>
public sealed record RewardQuery(Conversation Prompt, string Response, UserConditioning Conditioning);
