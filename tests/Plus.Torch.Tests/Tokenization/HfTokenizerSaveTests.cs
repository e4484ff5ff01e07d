using System.Text.Json.Nodes;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Tokenization;

public class HfTokenizerSaveTests
{
    [Fact]
    public void Saving_qwen_and_loading_it_back_gives_the_same_ids_tokens_and_config()
    {
        string dir = TempDirectory.Create();
        try
        {
            HfTokenizer full = QwenFixture.Full;
            full.Save(dir);
            HfTokenizer back = HfTokenizer.Load(dir);

            foreach (GoldenCase c in QwenFixture.Cases)
            {
                Assert.Equal(c.Ids, back.Encode(c.Text));
                Assert.Equal(c.Decoded, back.Decode(c.Ids));
            }

            Assert.Equal(full.VocabSize, back.VocabSize);
            Assert.Equal(full.EosTokenId, back.EosTokenId);
            Assert.Equal(full.PadTokenId, back.PadTokenId);
            Assert.Equal(full.ChatTemplate, back.ChatTemplate);
            Assert.Equal(full.SpecialTokenIds.Order(), back.SpecialTokenIds.Order());
            Assert.Equal(full.EndOfTurnTokenIds, back.EndOfTurnTokenIds);

            // The written file keeps HF's layout: merges as pairs (as the source file had them), vocab and added tokens.
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer.json")))!;
            Assert.Equal("BPE", (string?)json["model"]!["type"]);
            Assert.Equal(151643, json["model"]!["vocab"]!.AsObject().Count);
            Assert.Equal(151387, json["model"]!["merges"]!.AsArray().Count);
            Assert.IsType<JsonArray>(json["model"]!["merges"]![0]);
            Assert.Equal(26, json["added_tokens"]!.AsArray().Count);
            Assert.Equal("NFC", (string?)json["normalizer"]!["type"]);

            var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir, "tokenizer_config.json")))!;
            Assert.Equal("<|im_end|>", (string?)config["added_tokens_decoder"]!["151645"]!["content"]);
            Assert.False(File.Exists(Path.Combine(dir, "tokenizer.json.tmp")));
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Saving_a_tokenizer_without_config_writes_a_minimal_one_that_loads()
    {
        string source = MiniTokenizerJson.WriteToTemp(MiniTokenizerJson.Create(mergesAsStrings: true));
        string target = TempDirectory.Create();
        try
        {
            HfTokenizer.Load(source).Save(target);
            HfTokenizer back = HfTokenizer.Load(target);
            Assert.Equal(new[] { "hello", "Ġwor", "l", "d" }, back.EncodeToTokenStrings("hello world"));
            Assert.Null(back.EosTokenId);
            var json = JsonNode.Parse(File.ReadAllText(Path.Combine(target, "tokenizer.json")))!;
            Assert.Equal("h e", (string?)json["model"]!["merges"]![0]);
        }
        finally
        {
            Directory.Delete(source, recursive: true);
            Directory.Delete(target, recursive: true);
        }
    }
}
