using System.Text;
using Microsoft.Extensions.AI;

namespace Plus.Prompts;

/// <summary>Renders a conversation as the text that fills <c>{prompt}</c> and <c>{conversation}</c>.</summary>
internal static class ConversationText
{
    /// <summary>
    /// A conversation of one user turn is that turn's text; any other is one <c>Role: text</c> line per turn
    /// (<c>User</c>, <c>Assistant</c>, <c>System</c>), joined by newlines.
    /// </summary>
    public static string Render(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        var turns = conversation.Turns;
        if (turns.Count == 1 && turns[0].Role == ChatRole.User) return turns[0].Content;
        var builder = new StringBuilder();
        foreach (var turn in turns)
        {
            if (builder.Length > 0) builder.Append('\n');
            builder.Append(RoleName(turn.Role)).Append(": ").Append(turn.Content);
        }

        return builder.ToString();
    }

    private static string RoleName(ChatRole role) =>
        role == ChatRole.User ? "User"
        : role == ChatRole.Assistant ? "Assistant"
        : role == ChatRole.System ? "System"
        : role.Value;
}
