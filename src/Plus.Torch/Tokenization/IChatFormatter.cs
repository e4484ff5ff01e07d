namespace Plus.Torch.Tokenization;

/// <summary>
/// Renders chat turns into the prompt text a chat model was trained on (the role of a Jinja
/// <c>chat_template</c>). The text contains the special-token strings; <see cref="HfTokenizer.Encode"/> maps
/// them to their ids. Implementations are immutable and thread-safe.
/// </summary>
public interface IChatFormatter
{
    /// <summary>A short name of the format (<c>chatml</c>, <c>llama3</c>).</summary>
    string Name { get; }

    /// <summary>The token that closes every turn (<c>&lt;|im_end|&gt;</c> for ChatML).</summary>
    string EndOfTurnToken { get; }

    /// <summary>Strings at which generated text should stop (the end-of-turn token and the end-of-text token).</summary>
    IReadOnlyList<string> StopStrings { get; }

    /// <summary>Renders the turns.</summary>
    /// <param name="turns">The conversation, oldest turn first.</param>
    /// <param name="addGenerationPrompt">Append the opening of an assistant turn, for the model to continue.</param>
    /// <returns>The prompt text.</returns>
    /// <exception cref="ArgumentException">A turn has a role the format cannot render.</exception>
    string Format(IEnumerable<ChatTurn> turns, bool addGenerationPrompt);
}
