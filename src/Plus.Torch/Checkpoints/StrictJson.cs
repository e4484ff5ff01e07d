using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace Plus.Torch.Checkpoints;

/// <summary>
/// Reading of the JSON files of a model folder (<c>config.json</c>, <c>adapter_config.json</c>, the shard index,
/// <c>tokenizer.json</c>) with the same guards everywhere: a size limit checked against the file's length before
/// anything is allocated, strict UTF-8, duplicate keys refused, nesting limited to 64 levels.
/// </summary>
internal static partial class StrictJson
{
    /// <summary>The largest <c>config.json</c>, <c>adapter_config.json</c> or shard index read (16 MiB; real ones are a few KiB).</summary>
    public const long MaxConfigBytes = 16L * 1024 * 1024;

    /// <summary>Parser options: no duplicate keys, no comments, at most 64 levels of nesting.</summary>
    public static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    /// <summary>Reads a whole file after checking its length against <paramref name="maxBytes"/>, drops a UTF-8 BOM and checks the rest is UTF-8.</summary>
    /// <param name="path">The file.</param>
    /// <param name="maxBytes">The largest length accepted.</param>
    /// <param name="what">How messages name the file, e.g. <c>Model config 'x/config.json'</c>.</param>
    /// <param name="fail">Builds the exception to throw from a message.</param>
    public static byte[] ReadUtf8File(string path, long maxBytes, string what, Func<string, Exception> fail)
    {
        long length = new FileInfo(path).Length;
        if (length > maxBytes)
        {
            throw fail($"{what} is {length} bytes, more than the {maxBytes} bytes this reader accepts for such a file.");
        }

        byte[] bytes = File.ReadAllBytes(path);
        CheckUtf8(bytes, what, fail);
        return bytes;
    }

    /// <summary>Throws when <paramref name="bytes"/> (after an optional BOM) is not valid UTF-8.</summary>
    public static void CheckUtf8(ReadOnlySpan<byte> bytes, string what, Func<string, Exception> fail)
    {
        int bad = InvalidUtf8Offset(bytes);
        if (bad >= 0) throw fail($"{what} is not valid UTF-8 (byte {bad}).");
    }

    /// <summary>The offset of the first byte that is not part of valid UTF-8, or -1.</summary>
    public static int InvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        if (System.Text.Unicode.Utf8.IsValid(bytes)) return -1;
        Span<char> sink = stackalloc char[256];
        int offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(bytes[offset..], sink, out int read, out _, replaceInvalidSequences: false);
            offset += read;
            if (status == System.Buffers.OperationStatus.InvalidData || status == System.Buffers.OperationStatus.NeedMoreData) return offset;
            if (status == System.Buffers.OperationStatus.Done) return -1;
        }

        return -1;
    }

    /// <summary>Parses a JSON node with <see cref="Options"/>; a UTF-8 BOM is skipped.</summary>
    /// <exception cref="JsonException">The text is not valid JSON (or has duplicate keys or deeper nesting).</exception>
    public static JsonNode? ParseNode(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) utf8 = utf8[3..];
        return JsonNode.Parse(utf8, nodeOptions: null, documentOptions: Options);
    }

    /// <summary>
    /// The parser's message without its <c>LineNumber: 0 | BytePositionInLine: 12.</c> tail (zero-based, and easy to
    /// misread next to a real line number), with the position given once, one-based.
    /// </summary>
    public static string Describe(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        string reason = PositionTail().Replace(ex.Message, string.Empty).TrimEnd();
        return ex.LineNumber is { } line && ex.BytePositionInLine is { } col
            ? $"{reason} (line {line + 1}, byte {col + 1})"
            : reason;
    }

    [GeneratedRegex(@"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?")]
    private static partial Regex PositionTail();
}
