using System.Text;
using Microsoft.Extensions.AI;

namespace Plus.Torch.Tokenization;

/// <summary>
/// ChatML, the format of Qwen2, Qwen2.5 and Qwen3: <c>&lt;|im_start|&gt;{role}\n{content}&lt;|im_end|&gt;\n</c> per
/// turn, and <c>&lt;|im_start|&gt;assistant\n</c> as the generation prompt.
/// </summary>
/// <remarks>
/// Templates differ on a conversation without a system turn: Qwen2's <c>chat_template</c> inserts
/// <see cref="Qwen2DefaultSystemMessage"/>, Qwen2.5's inserts <see cref="Qwen25DefaultSystemMessage"/>, and Qwen3's
/// inserts nothing. This formatter inserts <see cref="DefaultSystemMessage"/> when one is set and nothing otherwise
/// (the default, as Qwen3); pass one of the constants to reproduce Qwen2 or Qwen2.5 exactly. Qwen3's reasoning
/// blocks (<c>&lt;think&gt;</c>) and tool calls are not rendered: content is written as given.
/// </remarks>
public sealed class ChatMlFormatter : IChatFormatter
{
    /// <summary>The system message Qwen2's (and Qwen1.5's) chat template adds when the conversation has none.</summary>
    public const string Qwen2DefaultSystemMessage = "You are a helpful assistant.";

    /// <summary>The system message Qwen2.5's chat template adds when the conversation has none.</summary>
    public const string Qwen25DefaultSystemMessage = "You are Qwen, created by Alibaba Cloud. You are a helpful assistant.";

    /// <summary>Creates the formatter.</summary>
    /// <param name="defaultSystemMessage">A system message to insert when the first turn is not a system turn; null inserts none.</param>
    public ChatMlFormatter(string? defaultSystemMessage = null)
    {
        DefaultSystemMessage = defaultSystemMessage;
    }

    /// <summary>The system message inserted when the conversation has none, or null for none.</summary>
    public string? DefaultSystemMessage { get; }

    /// <inheritdoc />
    public string Name => "chatml";

    /// <inheritdoc />
    public string EndOfTurnToken => "<|im_end|>";

    /// <inheritdoc />
    public IReadOnlyList<string> StopStrings { get; } = ["<|im_end|>", "<|endoftext|>"];

    /// <inheritdoc />
    public string Format(IEnumerable<ChatTurn> turns, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(turns);
        var sb = new StringBuilder();
        int index = 0;
        foreach (ChatTurn turn in turns)
        {
            string role = RoleName(turn, index);
            if (index == 0 && DefaultSystemMessage is not null && turn.Role != ChatRole.System)
            {
                AppendTurn(sb, "system", DefaultSystemMessage);
            }

            AppendTurn(sb, role, turn.Content);
            index++;
        }

        if (index == 0 && DefaultSystemMessage is not null)
        {
            AppendTurn(sb, "system", DefaultSystemMessage);
        }

        if (addGenerationPrompt)
        {
            sb.Append("<|im_start|>assistant\n");
        }

        return sb.ToString();
    }

    private static void AppendTurn(StringBuilder sb, string role, string content) =>
        sb.Append("<|im_start|>").Append(role).Append('\n').Append(content).Append("<|im_end|>\n");

    internal static string RoleName(ChatTurn? turn, int index)
    {
        if (turn is null)
        {
            throw new ArgumentException($"Turn {index} is null (argument 'turns').");
        }

        if (turn.Role == ChatRole.System)
        {
            return "system";
        }

        if (turn.Role == ChatRole.User)
        {
            return "user";
        }

        if (turn.Role == ChatRole.Assistant)
        {
            return "assistant";
        }

        throw new ArgumentException($"Turn {index} has role '{turn.Role}'; only system, user and assistant turns can be formatted (argument 'turns').");
    }
}
