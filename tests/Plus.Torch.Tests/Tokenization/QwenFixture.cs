using System.Text.Json;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Tokenization;

/// <summary>The Qwen tokenizer fixture (loaded once per test run), its golden cases and a small corpus.</summary>
internal static class QwenFixture
{
    public static string Directory => Path.Combine(AppContext.BaseDirectory, "fixtures", "tokenizer");

    public static IReadOnlyList<string> EnglishSentences { get; } =
    [
        "Human: Please talk about one kind of pets.",
        "Dogs are loyal companions who love long walks in the park.",
        "Cats are independent animals that enjoy napping in the sun.",
        "Rabbits are gentle creatures that need plenty of space to hop around.",
        "Birds can be wonderful pets because they sing beautiful songs every morning.",
        "Here is the summary of my preferences based on previous conversations: the user likes short answers.",
        "In the following conversation, keep this in mind to personalize your response.",
        "The quick brown fox jumps over the lazy dog.",
        "She sells sea shells by the sea shore, and he doesn't mind.",
        "What's the weather like in Paris today? It's rainy, isn't it?",
        "I'd rather read a book than watch television on a Sunday afternoon.",
        "Mixing 3 cups of flour with 2 eggs makes a simple dough.",
    ];

    public static IReadOnlyList<string> Corpus { get; } = [.. LoadCases().Select(c => c.Text), .. EnglishSentences];

    private static readonly Lazy<HfTokenizer> LazyFull = new(() => HfTokenizer.Load(Directory));

    private static readonly Lazy<IReadOnlyList<GoldenCase>> LazyCases = new(LoadCases);

    private static readonly Lazy<HfTokenizer> LazySubset = new(() => TokenizerSubsetBuilder.Build(Full, Corpus));

    public static HfTokenizer Full => LazyFull.Value;

    public static IReadOnlyList<GoldenCase> Cases => LazyCases.Value;

    /// <summary>The subset built from <see cref="Corpus"/>.</summary>
    public static HfTokenizer Subset => LazySubset.Value;

    /// <summary>The NFC case: its decode differs from its text.</summary>
    public const string NfcCaseText = "\u00dcn\u00efc\u00f6d\u00e9 NFC vs NFD: e\u0301 vs \u00e9";

    public static TheoryData<int> CaseIndices()
    {
        var data = new TheoryData<int>();
        for (int i = 0; i < Cases.Count; i++)
        {
            data.Add(i);
        }

        return data;
    }

    private static IReadOnlyList<GoldenCase> LoadCases()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(Directory, "golden-ids.json")));
        return doc.RootElement.GetProperty("cases").EnumerateArray()
            .Select(c => new GoldenCase(
                c.GetProperty("text").GetString()!,
                c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
                c.GetProperty("decoded").GetString()!))
            .ToArray();
    }
}

internal sealed record GoldenCase(string Text, int[] Ids, string Decoded);
