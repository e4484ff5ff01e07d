using System.Text;
using Microsoft.Extensions.AI;

namespace Plus.Core.Tests.Prompts;

/// <summary>Fixed inputs for the prompt snapshots.</summary>
internal static class PromptFixtures
{
    public static Conversation PetsPrompt { get; } = Conversation.FromUser("Please talk about one kind of pets.");

    public static Conversation MultiTurnPrompt { get; } = new(new ValueList<ChatTurn>(new[]
    {
        ChatTurn.User("What do you think about nuclear power?"),
        ChatTurn.Assistant("It is low-carbon but has waste and cost concerns."),
        ChatTurn.User("Should my country build more plants?"),
    }));

    public static UserContext Context { get; } = new(new ValueList<PreferencePair>(new[]
    {
        new PreferencePair(PetsPrompt, "Cats are independent and clean.", "Dogs are loyal and playful."),
        new PreferencePair(MultiTurnPrompt, "Here are the main trade-offs to weigh.", "Yes, absolutely."),
    }));

    public static UserContext ContextWithProfileAndHints { get; } = Context with
    {
        Profile = "{'values': 80, 'creativity': 20, 'fluency': 60, 'factuality': 95}",
        AttributeHints = new ValueList<string>(new[] { "helpfulness", "honesty", "truthfulness", "instruction-following" }),
    };

    public static Conversation NewPrompt { get; } = Conversation.FromUser("Which pet should I adopt?");

    public static Conversation NewPromptWithSystem { get; } = new(new ValueList<ChatTurn>(new[]
    {
        ChatTurn.System("You are terse."),
        ChatTurn.User("Which pet should I adopt?"),
    }));

    /// <summary>A conversation as readable text for snapshots: one <c>[role]</c> header per turn.</summary>
    public static string Show(Conversation conversation) => Show(conversation.ToChatMessages());

    public static string Show(IEnumerable<ChatMessage> messages)
    {
        var builder = new StringBuilder();
        foreach (var m in messages) builder.Append('[').Append(m.Role.Value).Append("]\n").Append(m.Text).Append("\n[end]\n");
        return builder.ToString();
    }
}
