using Plus.Torch.Chat;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Chat;

/// <summary>The tiny random chat model of tests/fixtures/tiny-chat (its vocabulary is exactly its tokenizer's), loaded once per test class.</summary>
public sealed class TinyChatFixture : IDisposable
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    public TinyChatFixture()
    {
        Tokenizer = HfTokenizer.Load(Directory);
        Model = CausalLM.FromPretrained(Directory);
        Generator = new TextGenerator(Model, Tokenizer);
    }

    public CausalLM Model { get; }

    public HfTokenizer Tokenizer { get; }

    public TextGenerator Generator { get; }

    public static IReadOnlyList<Conversation> Prompts { get; } =
    [
        Conversation.FromUser("Hello! How are you today?"),
        new Conversation(new ValueList<ChatTurn>([ChatTurn.System("You are a helpful assistant."), ChatTurn.User("Human: Please talk about one kind of pets.")])),
        Conversation.FromUser("Dogs are loyal companions who love long walks in the park. Cats are independent animals that enjoy napping in the sun."),
    ];

    public void Dispose() => Model.Dispose();
}
