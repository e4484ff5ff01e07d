using System.IO.Compression;
using System.Text;
using Plus.Torch.Checkpoints;
using Plus.Torch.Lora;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tests.Modeling;
using Plus.Torch.Tests.Tokenization;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// Named hostile JSON files of a model folder (docs/reliability.md): non-UTF-8 bytes, 10,000 levels of nesting,
/// duplicate keys and oversized files are refused with the parser's documented exception, naming the file.
/// </summary>
public sealed class HostileJsonFileTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    public static TheoryData<string> Kinds => new() { "config", "adapter", "tokenizer" };

    private static string ValidText(string kind) => kind switch
    {
        "config" => File.ReadAllText(Path.Combine(GoldenFixtures.Dir("tiny-qwen2"), "config.json")),
        "adapter" => File.ReadAllText(Path.Combine(GoldenFixtures.Dir("tiny-qwen2-lora"), "adapter_config.json")),
        _ => MiniTokenizerJson.Create().ToJsonString(),
    };

    private string FileName(string kind) => _dir.File(kind switch
    {
        "config" => "config.json",
        "adapter" => "adapter_config.json",
        _ => "tokenizer.json",
    });

    /// <summary>Loads the file and returns the documented exception, checking its type and that it names the file.</summary>
    private Exception Refused(string kind, byte[] content)
    {
        string path = FileName(kind);
        File.WriteAllBytes(path, content);
        Exception ex = kind switch
        {
            "config" => Assert.Throws<CheckpointException>(() => DecoderConfig.Load(path)),
            "adapter" => Assert.Throws<CheckpointException>(() => PeftAdapterConfig.Load(path)),
            _ => Assert.Throws<InvalidDataException>(() => HfTokenizer.Load(path)),
        };
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        return ex;
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void The_valid_file_loads(string kind)
    {
        string path = FileName(kind);
        File.WriteAllText(path, ValidText(kind));
        object loaded = kind switch
        {
            "config" => DecoderConfig.Load(path),
            "adapter" => PeftAdapterConfig.Load(path),
            _ => HfTokenizer.Load(path),
        };
        Assert.NotNull(loaded);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Non_utf8_bytes_are_refused(string kind)
    {
        string text = ValidText(kind);
        int quote = text.IndexOf('"', StringComparison.Ordinal);
        byte[] bytes = [.. Encoding.UTF8.GetBytes(text[..(quote + 1)]), 0xFF, 0xFE, .. Encoding.UTF8.GetBytes(text[(quote + 1)..])];
        var ex = Refused(kind, bytes);
        Assert.Contains("not valid UTF-8", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void Ten_thousand_levels_of_nesting_are_refused_without_a_stack_overflow(string kind)
    {
        string text = ValidText(kind);
        string deep = "{\"deep\":" + new string('[', 10_000) + new string(']', 10_000) + "," + text.TrimStart()[1..];
        var ex = Refused(kind, Encoding.UTF8.GetBytes(deep));
        Assert.Contains("depth", ex.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void A_duplicate_key_is_refused_rather_than_one_value_silently_winning(string kind)
    {
        string text = ValidText(kind).TrimStart();
        string duplicated = "{\"version\":\"x\",\"version\":\"y\"," + text[1..];
        var ex = Refused(kind, Encoding.UTF8.GetBytes(duplicated));
        Assert.Contains("version", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("config")]
    [InlineData("adapter")]
    public void A_config_larger_than_16_MiB_is_refused_before_it_is_read(string kind)
    {
        string path = FileName(kind);
        using (var f = File.Create(path))
        {
            f.SetLength(StrictJson.MaxConfigBytes + 1);
        }

        long before = GC.GetAllocatedBytesForCurrentThread();
        var ex = kind == "config"
            ? Assert.Throws<CheckpointException>(() => DecoderConfig.Load(path))
            : Assert.Throws<CheckpointException>(() => PeftAdapterConfig.Load(path));
        long allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("more than the 16777216 bytes", ex.Message, StringComparison.Ordinal);
        Assert.True(allocated < 1024 * 1024, $"refusing allocated {allocated} bytes");
    }

    [Fact]
    public void A_gzip_bomb_stops_at_the_limit_instead_of_inflating_without_bound()
    {
        var compressed = new MemoryStream();
        using (var gz = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            gz.Write(new byte[4 * 1024 * 1024]);
        }

        compressed.Position = 0;
        using var unzip = new GZipStream(compressed, CompressionMode.Decompress);
        Assert.Null(HfTokenizer.ReadAtMost(unzip, 1024 * 1024));
        Assert.Equal(512 * 1024 * 1024, HfTokenizer.MaxFileBytes);
    }

    [Fact]
    public void A_config_whose_eos_token_id_is_an_object_is_refused_naming_the_key()
    {
        string path = FileName("config");
        var config = System.Text.Json.Nodes.JsonNode.Parse(ValidText("config"))!.AsObject();
        config["eos_token_id"] = new System.Text.Json.Nodes.JsonObject { ["a"] = 1 };
        File.WriteAllText(path, config.ToJsonString());
        var ex = Assert.Throws<CheckpointException>(() => DecoderConfig.Load(path));
        Assert.Contains("'eos_token_id' must be an integer or a list of integers", ex.Message, StringComparison.Ordinal);
    }
}
