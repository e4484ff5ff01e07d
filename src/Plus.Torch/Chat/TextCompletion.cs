using Plus.Torch.Generation;

namespace Plus.Torch.Chat;

/// <summary>What <see cref="TextGenerator"/> generated for one prompt.</summary>
/// <param name="Text">
/// The decoded new text: without the end-of-turn token and cut before the first stop sequence. Bytes that do not
/// form valid UTF-8 (a character cut off by the token limit) decode to U+FFFD.
/// </param>
/// <param name="TokenIds">Every generated token, including the stop token or the tokens of a stop sequence; no padding.</param>
/// <param name="LogProbs">The log-prob of each generated token (see <see cref="GenerationOptions"/> for the distribution).</param>
/// <param name="FinishReason"><see cref="FinishReason.Stop"/> for an end-of-turn token, a stop token or a stop sequence; otherwise <see cref="FinishReason.Length"/>.</param>
/// <param name="PromptTokenCount">The number of prompt tokens the row was generated from (after truncation, without padding).</param>
/// <param name="StopSequence">The stop sequence that ended the row, or null.</param>
public sealed record TextCompletion(
    string Text,
    IReadOnlyList<int> TokenIds,
    IReadOnlyList<float> LogProbs,
    FinishReason FinishReason,
    int PromptTokenCount,
    string? StopSequence);
