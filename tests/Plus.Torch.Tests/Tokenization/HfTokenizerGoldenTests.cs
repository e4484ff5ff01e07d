using System.IO.Compression;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Tokenization;

public class HfTokenizerGoldenTests
{
    [Fact]
    public void Golden_file_has_the_twenty_cases_including_the_nfc_one()
    {
        Assert.Equal(20, QwenFixture.Cases.Count);
        GoldenCase nfc = Assert.Single(QwenFixture.Cases, c => c.Text != c.Decoded);
        Assert.Equal(QwenFixture.NfcCaseText, nfc.Text);
    }

    [Theory]
    [MemberData(nameof(QwenFixture.CaseIndices), MemberType = typeof(QwenFixture))]
    public void Encode_gives_the_ids_of_hf_tokenizers(int index)
    {
        GoldenCase c = QwenFixture.Cases[index];
        Assert.Equal(c.Ids, QwenFixture.Full.Encode(c.Text));
    }

    [Theory]
    [MemberData(nameof(QwenFixture.CaseIndices), MemberType = typeof(QwenFixture))]
    public void Decode_gives_the_text_of_hf_tokenizers(int index)
    {
        GoldenCase c = QwenFixture.Cases[index];
        Assert.Equal(c.Decoded, QwenFixture.Full.Decode(c.Ids));
    }

    [Fact]
    public void Special_tokens_come_from_tokenizer_config()
    {
        HfTokenizer t = QwenFixture.Full;
        Assert.Null(t.BosToken);
        Assert.Null(t.BosTokenId);
        Assert.Equal("<|im_end|>", t.EosToken);
        Assert.Equal(151645, t.EosTokenId);
        Assert.Equal("<|endoftext|>", t.PadToken);
        Assert.Equal(151643, t.PadTokenId);
        Assert.Equal(new[] { 151645, 151643 }, t.EndOfTurnTokenIds);
        Assert.Equal(151643 + 26, t.VocabSize);
        Assert.Contains(151644, t.SpecialTokenIds);
        Assert.DoesNotContain(151657, t.SpecialTokenIds); // <tool_call> is an added token but not special
        Assert.Equal(151657, t.TokenToId("<tool_call>"));
        Assert.Contains("<|im_start|>", t.ChatTemplate);
    }

    [Fact]
    public void Token_and_id_lookups_use_byte_level_spelling()
    {
        HfTokenizer t = QwenFixture.Full;
        Assert.Equal(1879, t.TokenToId("Ġworld"));
        Assert.Equal("Ġworld", t.IdToToken(1879));
        Assert.Equal(151645, t.TokenToId("<|im_end|>"));
        Assert.Equal("<|im_start|>", t.IdToToken(151644));
        Assert.Null(t.TokenToId("definitely not a token"));
        Assert.Null(t.IdToToken(-1));
        Assert.Null(t.IdToToken(10_000_000));
        Assert.Equal(new[] { "Hello", "Ġworld" }, t.EncodeToTokenStrings("Hello world"));
    }

    [Fact]
    public void Decode_can_skip_special_tokens_but_keeps_non_special_added_tokens()
    {
        HfTokenizer t = QwenFixture.Full;
        var ids = t.Encode("<|im_start|>user\nHi!<tool_call><|im_end|>");
        Assert.Equal("<|im_start|>user\nHi!<tool_call><|im_end|>", t.Decode(ids));
        Assert.Equal("user\nHi!<tool_call>", t.Decode(ids, skipSpecialTokens: true));
    }

    [Fact]
    public void Decode_rejects_ids_outside_the_vocabulary()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => QwenFixture.Full.Decode([9707, 999_999]));
        Assert.Contains("999999", ex.Message);
    }

    [Fact]
    public void Plain_tokenizer_json_and_file_paths_load_the_same_tokenizer()
    {
        string dir = TempDirectory.Create();
        try
        {
            string plain = Path.Combine(dir, "tokenizer.json");
            using (var gz = new GZipStream(File.OpenRead(Path.Combine(QwenFixture.Directory, "tokenizer.json.gz")), CompressionMode.Decompress))
            using (var output = File.Create(plain))
            {
                gz.CopyTo(output);
            }

            HfTokenizer fromPlainFile = HfTokenizer.Load(plain);
            HfTokenizer fromGzFile = HfTokenizer.Load(Path.Combine(QwenFixture.Directory, "tokenizer.json.gz"));
            foreach (GoldenCase c in QwenFixture.Cases)
            {
                Assert.Equal(c.Ids, fromPlainFile.Encode(c.Text));
                Assert.Equal(c.Ids, fromGzFile.Encode(c.Text));
            }

            // No tokenizer_config.json beside the plain file: no special-token roles, but the added tokens still work.
            Assert.Null(fromPlainFile.EosTokenId);
            Assert.Null(fromPlainFile.ChatTemplate);
            Assert.Equal(new[] { 151645, 151643 }, fromPlainFile.EndOfTurnTokenIds);
            Assert.Equal(151645, fromGzFile.EosTokenId);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
