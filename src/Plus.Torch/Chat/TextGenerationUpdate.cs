using Plus.Torch.Generation;

namespace Plus.Torch.Chat;

/// <summary>One piece of a streamed generation (<see cref="TextGenerator.StreamAsync(Conversation, TextGenerationOptions, CancellationToken)"/>).</summary>
/// <param name="Text">
/// The new text since the previous update; may be empty while a partial character or a possible stop sequence is
/// held back. The concatenation of every update's text equals <see cref="TextCompletion.Text"/> of the same generation.
/// </param>
/// <param name="TokenId">The token generated at this step, or null for the final update that only flushes text.</param>
/// <param name="LogProb">The token's log-prob, or null with <paramref name="TokenId"/>.</param>
/// <param name="Completion">Set on the last update only: the whole completion, as the non-streaming call returns it.</param>
public sealed record TextGenerationUpdate(string Text, int? TokenId, float? LogProb, TextCompletion? Completion)
{
    /// <summary>Why generation ended, on the last update; null before.</summary>
    public FinishReason? FinishReason => Completion?.FinishReason;
}
