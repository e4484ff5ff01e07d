using System.Text;
using System.Text.Json.Nodes;
using FsCheck;
using FsCheck.Fluent;
using Plus.Torch.Tokenization;
using Xunit.Abstractions;

namespace Plus.Torch.Tests.Tokenization;

public class TokenizerSubsetBuilderTests(ITestOutputHelper output)
{
    private static HfTokenizer Full => QwenFixture.Full;

    private static HfTokenizer Subset => QwenFixture.Subset;

    [Fact]
    public void Subset_gives_the_full_tokenizers_token_strings_on_every_corpus_text()
    {
        foreach (string text in QwenFixture.Corpus)
        {
            Assert.Equal(Full.EncodeToTokenStrings(text), Subset.EncodeToTokenStrings(text));
        }
    }

    [Fact]
    public void Subset_decodes_corpus_texts_back_as_hf_does()
    {
        foreach (string text in QwenFixture.Corpus)
        {
            string expected = text == QwenFixture.NfcCaseText ? text.Normalize(NormalizationForm.FormC) : text;
            Assert.Equal(expected, Subset.Decode(Subset.Encode(text)));
        }

        GoldenCase nfc = Assert.Single(QwenFixture.Cases, c => c.Text == QwenFixture.NfcCaseText);
        Assert.Equal(nfc.Decoded, Subset.Decode(Subset.Encode(nfc.Text)));
    }

    [Fact]
    public void Subset_is_small_with_compact_ids_and_specials_after_the_base_vocabulary()
    {
        int baseCount = Subset.VocabSize - 3;
        Assert.InRange(baseCount, 257, 1500);
        Assert.Equal(new[] { "!", "\"", "#" }, new[] { Subset.IdToToken(0), Subset.IdToToken(1), Subset.IdToToken(2) });
        for (int id = 0; id < Subset.VocabSize; id++)
        {
            Assert.NotNull(Subset.IdToToken(id));
        }

        Assert.Equal(baseCount, Subset.TokenToId("<|endoftext|>"));
        Assert.Equal(baseCount + 1, Subset.TokenToId("<|im_start|>"));
        Assert.Equal(baseCount + 2, Subset.TokenToId("<|im_end|>"));
        Assert.Equal(baseCount + 2, Subset.EosTokenId);
        Assert.Equal(baseCount, Subset.PadTokenId);
        Assert.Equal(new[] { baseCount + 2, baseCount }, Subset.EndOfTurnTokenIds);
        Assert.Null(Subset.TokenToId("<|vision_start|>"));
        Assert.Equal(Full.ChatTemplate, Subset.ChatTemplate);
    }

    [Fact]
    public void Subset_encodes_chat_prompts_with_its_special_ids()
    {
        string prompt = new ChatMlFormatter().Format([ChatTurn.User("Dogs are loyal companions.")], addGenerationPrompt: true);
        IReadOnlyList<int> ids = Subset.Encode(prompt);
        Assert.Equal(Subset.TokenToId("<|im_start|>"), ids[0]);
        Assert.Equal(Full.EncodeToTokenStrings(prompt), Subset.EncodeToTokenStrings(prompt));
        Assert.Equal(prompt, Subset.Decode(ids));
    }

    [Fact]
    public void Any_text_outside_the_corpus_encodes_and_decodes_back_to_itself()
    {
        Gen<string> piece = Gen.OneOf(
            Gen.Elements("the", " ", "zebra", " quixotic", "Ωmega", "ü", "ß", "中", "語", "🐶", "🦜", "\n", "\t", "123", "!?", "'s", "  ", "é"),
            Gen.Choose(0x20, 0x7E).Select(c => ((char)c).ToString()),
            Gen.Choose(0xA0, 0xFF).Select(c => ((char)c).ToString()),
            Gen.Choose(0x4E00, 0x4FFF).Select(c => ((char)c).ToString()));
        Gen<string> text = Gen.ArrayOf(piece).Select(p => string.Concat(p).Normalize(NormalizationForm.FormC));
        Prop.ForAll(text.ToArbitrary(), s =>
            Subset.Decode(Subset.Encode(s)) == s
            && string.Concat(Subset.EncodeToTokenStrings(s)) == string.Concat(Full.EncodeToTokenStrings(s)))
            .QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Out_of_corpus_words_fall_back_to_smaller_pieces()
    {
        const string text = "Photosynthesis";
        IReadOnlyList<string> pieces = Subset.EncodeToTokenStrings(text);
        Assert.True(pieces.Count > Full.Encode(text).Count);
        Assert.Equal(text, Subset.Decode(Subset.Encode(text)));
    }

    [Fact]
    public void Saved_subset_loads_back_with_the_same_tokenization_and_a_consistent_config()
    {
        string dir = TempDirectory.Create();
        try
        {
            Subset.Save(dir);
            HfTokenizer back = HfTokenizer.Load(dir);
            foreach (string text in QwenFixture.Corpus)
            {
                Assert.Equal(Subset.Encode(text), back.Encode(text));
            }

            Assert.Equal(Subset.VocabSize, back.VocabSize);
            Assert.Equal(Subset.EosTokenId, back.EosTokenId);

            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")))!;
            JsonObject vocab = json["model"]!["vocab"]!.AsObject();
            JsonArray merges = json["model"]!["merges"]!.AsArray();
            foreach (JsonNode? m in merges)
            {
                string a = (string)m![0]!, b = (string)m[1]!;
                Assert.True(vocab.ContainsKey(a) && vocab.ContainsKey(b) && vocab.ContainsKey(a + b), $"merge {a} {b} refers to a dropped token");
            }

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!;
            string[] listed = config["additional_special_tokens"]!.AsArray().Select(n => (string)n!).ToArray();
            Assert.Equal(new[] { "<|im_start|>", "<|im_end|>" }, listed);
            Assert.Equal(3, config["added_tokens_decoder"]!.AsObject().Count);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Merge_order_is_kept_from_the_full_tokenizer()
    {
        string dir = TempDirectory.Create();
        try
        {
            Subset.Save(dir);
            var merges = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")))!["model"]!["merges"]!.AsArray()
                .Select(m => ((string)m![0]!, (string)m[1]!)).ToList();
            var fullRank = Full.Definition.Merges.Select((m, i) => (m, i)).ToDictionary(x => x.m, x => x.i);
            var ranks = merges.Select(m => fullRank[m]).ToList();
            Assert.Equal(ranks.Order(), ranks);
            Assert.NotEmpty(merges);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Added_tokens_used_in_the_corpus_are_kept_and_requested_specials_must_exist()
    {
        HfTokenizer subset = TokenizerSubsetBuilder.Build(Full, ["call <tool_call> now"], ["<|im_end|>"]);
        Assert.NotNull(subset.TokenToId("<tool_call>"));
        Assert.NotNull(subset.TokenToId("<|endoftext|>")); // the pad token of the config is always kept
        Assert.Null(subset.TokenToId("<|im_start|>"));
        Assert.Equal(Full.EncodeToTokenStrings("call <tool_call> now"), subset.EncodeToTokenStrings("call <tool_call> now"));

        var ex = Assert.Throws<ArgumentException>(() => TokenizerSubsetBuilder.Build(Full, ["x"], ["<|nope|>"]));
        Assert.Contains("<|nope|>", ex.Message);
    }

    [Fact]
    public void Tokenizer_without_the_full_byte_alphabet_is_rejected()
    {
        JsonObject json = MiniTokenizerJson.Create();
        JsonObject vocab = json["model"]!["vocab"]!.AsObject();
        vocab.Remove("~");
        string dir = MiniTokenizerJson.WriteToTemp(json);
        try
        {
            var ex = Assert.Throws<InvalidOperationException>(() => TokenizerSubsetBuilder.Build(HfTokenizer.Load(dir), ["hello"]));
            Assert.Contains("byte-level", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Thousands_of_sentences_build_a_subset_in_the_target_size()
    {
        string[] subjects = ["The dog", "A cat", "My rabbit", "Our parrot", "The user", "This assistant", "Every bird", "Her hamster"];
        string[] verbs = ["likes", "prefers", "enjoys", "avoids", "remembers", "describes", "chases", "ignores"];
        string[] objects = ["long walks", "sunny windows", "crunchy carrots", "short answers", "bright songs", "quiet evenings", "fresh water", "detailed explanations"];
        string[] tails = [".", "!", " every day.", " in the morning.", ", doesn't it?", " more than anything."];
        var corpus = new List<string>();
        for (int i = 0; corpus.Count < 5000; i++)
        {
            corpus.Add($"{subjects[i % 8]} {verbs[i / 8 % 8]} {objects[i / 64 % 8]}{tails[i / 512 % 6]} #{i}");
        }

        HfTokenizer subset = TokenizerSubsetBuilder.Build(Full, corpus);
        output.WriteLine($"5,000 sentences: {subset.VocabSize} ids; golden corpus: {Subset.VocabSize} ids");
        Assert.InRange(subset.VocabSize, 300, 3000);
        Assert.Equal(Full.EncodeToTokenStrings(corpus[4321]), subset.EncodeToTokenStrings(corpus[4321]));
    }
}
