using System.Text;

namespace Plus.Torch.Tokenization;

/// <summary>
/// The Llama 3 chat format: <c>&lt;|begin_of_text|&gt;</c>, then per turn
/// <c>&lt;|start_header_id|&gt;{role}&lt;|end_header_id|&gt;\n\n{content}&lt;|eot_id|&gt;</c> with the content trimmed of
/// surrounding white space (as Llama 3's template does), and
/// <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c> as the generation prompt.
/// </summary>
/// <remarks>
/// This is Llama 3.0's template. Llama 3.1+ templates also write a "Cutting Knowledge Date" system header and tool
/// definitions; put such text in a system turn yourself when a model expects it.
/// </remarks>
public sealed class Llama3Formatter : IChatFormatter
{
    /// <summary>Creates the formatter.</summary>
    /// <param name="includeBeginOfText">Start the text with <c>&lt;|begin_of_text|&gt;</c> (the BOS token; <see cref="HfTokenizer.Encode"/> adds none itself).</param>
    public Llama3Formatter(bool includeBeginOfText = true)
    {
        IncludeBeginOfText = includeBeginOfText;
    }

    /// <summary>Whether the text starts with <c>&lt;|begin_of_text|&gt;</c>.</summary>
    public bool IncludeBeginOfText { get; }

    /// <inheritdoc />
    public string Name => "llama3";

    /// <inheritdoc />
    public string EndOfTurnToken => "<|eot_id|>";

    /// <inheritdoc />
    public IReadOnlyList<string> StopStrings { get; } = ["<|eot_id|>", "<|end_of_text|>"];

    /// <inheritdoc />
    public string Format(IEnumerable<ChatTurn> turns, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var sb = new StringBuilder();
        if (IncludeBeginOfText)
        {
            sb.Append("<|begin_of_text|>");
        }

        int index = 0;
        foreach (ChatTurn turn in turns)
        {
            string role = ChatMlFormatter.RoleName(turn, index);
            sb.Append("<|start_header_id|>").Append(role).Append("<|end_header_id|>\n\n")
              .Append(turn.Content.Trim()).Append("<|eot_id|>");
            index++;
        }

        if (addGenerationPrompt)
        {
            sb.Append("<|start_header_id|>assistant<|end_header_id|>\n\n");
        }

        return sb.ToString();
    }
}
