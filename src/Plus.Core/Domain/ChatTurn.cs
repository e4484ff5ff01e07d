using Microsoft.Extensions.AI;

namespace Plus;

/// <summary>One turn of a conversation: who spoke and what they said. Immutable, compares by value.</summary>
/// <param name="Role">The speaker (<see cref="ChatRole.User"/>, <see cref="ChatRole.Assistant"/> or <see cref="ChatRole.System"/>).</param>
/// <param name="Content">The text of the turn.</param>
public sealed record ChatTurn(ChatRole Role, string Content)
{
    /// <summary>A user turn.</summary>
    public static ChatTurn User(string content) => new(ChatRole.User, content);

    /// <summary>An assistant turn.</summary>
    public static ChatTurn Assistant(string content) => new(ChatRole.Assistant, content);

    /// <summary>A system turn.</summary>
    public static ChatTurn System(string content) => new(ChatRole.System, content);

    /// <summary>Converts to a Microsoft.Extensions.AI <see cref="ChatMessage"/> for any <see cref="IChatClient"/>.</summary>
    public ChatMessage ToChatMessage() => new(Role, Content);
}
