using System.Text.Json.Nodes;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Tokenization;

public class HfTokenizerLoadingTests
{
    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Merges_as_pairs_or_as_space_joined_strings_encode_the_same(bool mergesAsStrings)
    {
        string dir = MiniTokenizerJson.WriteToTemp(MiniTokenizerJson.Create(mergesAsStrings));
        try
        {
            HfTokenizer t = HfTokenizer.Load(dir);
            Assert.Equal(new[] { "hello", "Ġwor", "l", "d" }, t.EncodeToTokenStrings("hello world"));
            Assert.Equal(new[] { "hello", "<|im_end|>" }, t.EncodeToTokenStrings("hello<|im_end|>"));
            Assert.Equal("hello world<|im_end|>", t.Decode(t.Encode("hello world<|im_end|>")));
            Assert.Equal(256 + 7 + 2, t.VocabSize);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Theory]
    [InlineData("Unigram")]
    [InlineData("WordPiece")]
    [InlineData("WordLevel")]
    public void Non_bpe_models_fail_saying_only_bpe_is_supported(string type)
    {
        JsonObject json = MiniTokenizerJson.Create();
        json["model"]!["type"] = type;
        AssertLoadFails(json, $"model.type is '{type}'", "only byte-level BPE");
    }

    [Fact]
    public void Missing_vocab_fails_naming_model_vocab()
    {
        JsonObject json = MiniTokenizerJson.Create();
        json["model"]!.AsObject().Remove("vocab");
        AssertLoadFails(json, "model.vocab is missing");
    }

    [Fact]
    public void Byte_fallback_models_fail()
    {
        JsonObject json = MiniTokenizerJson.Create();
        json["model"]!["byte_fallback"] = true;
        AssertLoadFails(json, "byte_fallback");
    }

    [Fact]
    public void Malformed_merge_fails_naming_its_index()
    {
        JsonObject json = MiniTokenizerJson.Create(mergesAsStrings: true);
        json["model"]!["merges"]!.AsArray()[3] = "nospace";
        AssertLoadFails(json, "model.merges[3]");
    }

    [Fact]
    public void Unsupported_normalizer_fails()
    {
        JsonObject json = MiniTokenizerJson.Create();
        json["normalizer"] = new JsonObject { ["type"] = "Lowercase" };
        AssertLoadFails(json, "normalizer", "Lowercase", "supported: none or NFC");
    }

    [Fact]
    public void Tokenizer_without_byte_level_fails()
    {
        JsonObject json = MiniTokenizerJson.Create();
        json["decoder"] = null;
        json["pre_tokenizer"] = new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = "\\s+" }, ["behavior"] = "Isolated" };
        AssertLoadFails(json, "only byte-level BPE");
    }

    [Fact]
    public void Byte_level_pre_tokenizer_with_regex_uses_the_gpt2_pattern()
    {
        JsonObject json = MiniTokenizerJson.Create();
        json["pre_tokenizer"] = new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = true };
        string dir = MiniTokenizerJson.WriteToTemp(json);
        try
        {
            Assert.Equal(new[] { "hello", "Ġwor", "l", "d" }, HfTokenizer.Load(dir).EncodeToTokenStrings("hello world"));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Invalid_json_fails_naming_the_file_and_line()
    {
        string dir = TempDirectory.Create();
        try
        {
            string path = Path.Combine(dir, "tokenizer.json");
            File.WriteAllText(path, "{\n \"model\": \n}");
            var ex = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(dir));
            Assert.Contains(path, ex.Message);
            Assert.Contains("line 3", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Missing_files_fail_with_file_not_found()
    {
        string dir = TempDirectory.Create();
        try
        {
            var inFolder = Assert.Throws<FileNotFoundException>(() => HfTokenizer.Load(dir));
            Assert.Contains("tokenizer.json", inFolder.Message);
            var missing = Assert.Throws<FileNotFoundException>(() => HfTokenizer.Load(Path.Combine(dir, "nope.json")));
            Assert.Contains("nope.json", missing.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Config_token_that_is_not_in_the_vocabulary_fails_naming_the_config_key()
    {
        string dir = MiniTokenizerJson.WriteToTemp(MiniTokenizerJson.Create(), """{"eos_token": "<|nope|>"}""");
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(dir));
            Assert.Contains("tokenizer_config.json", ex.Message);
            Assert.Contains("eos_token '<|nope|>'", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Config_tokens_may_be_objects_and_templates_may_be_named_lists()
    {
        string config = """
            {"eos_token": {"content": "<|im_end|>"}, "pad_token": "<|endoftext|>",
             "chat_template": [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "<|im_start|>"}]}
            """;
        string dir = MiniTokenizerJson.WriteToTemp(MiniTokenizerJson.Create(), config);
        try
        {
            HfTokenizer t = HfTokenizer.Load(dir);
            Assert.Equal(256 + 7 + 1, t.EosTokenId);
            Assert.Equal(256 + 7, t.PadTokenId);
            Assert.Equal("<|im_start|>", t.ChatTemplate);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    private static void AssertLoadFails(JsonObject json, params string[] fragments)
    {
        string dir = MiniTokenizerJson.WriteToTemp(json);
        try
        {
            var ex = Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(dir));
            Assert.Contains(Path.Combine(dir, "tokenizer.json"), ex.Message);
            foreach (string f in fragments)
            {
                Assert.Contains(f, ex.Message);
            }
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
