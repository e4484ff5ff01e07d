using Microsoft.Extensions.AI;

namespace Plus;

/// <summary>
/// The prompt side of a preference pair: the turns up to and including the last user turn. Immutable, compares by value.
/// </summary>
/// <param name="Turns">The turns in order; must not be empty.</param>
public sealed record Conversation(ValueList<ChatTurn> Turns)
{
    /// <summary>A single-turn conversation holding one user message.</summary>
    public static Conversation FromUser(string text) => new(new ValueList<ChatTurn>(new[] { ChatTurn.User(text) }));

    /// <summary>The text of the last user turn (empty when there is none).</summary>
    public string LastUserText => Turns.LastOrDefault(t => t.Role == ChatRole.User)?.Content ?? string.Empty;

    /// <summary>Converts to Microsoft.Extensions.AI messages.</summary>
    public IList<ChatMessage> ToChatMessages() => Turns.Select(t => t.ToChatMessage()).ToList();
}
