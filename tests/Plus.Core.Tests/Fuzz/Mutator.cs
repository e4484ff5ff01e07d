using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Plus.Fuzzing;

/// <summary>
/// A seeded mutation engine for the parser fuzz tests: byte flips, interesting bytes, insertions, deletions,
/// truncation, splices with other corpus inputs, and structural JSON mutations (values replaced by other kinds,
/// extreme numbers, long or hostile strings, deleted and duplicated keys, deep nesting). Deterministic for a seed.
/// </summary>
/// <remarks>Shared by Plus.Core.Tests and Plus.Torch.Tests (linked source).</remarks>
internal sealed class Mutator(int seed)
{
    private static readonly byte[] InterestingBytes = [0, 0xFF, 0x7F, 0x80, 0xC0, 0xC3, 0xED, 0xF4, 0xF8, (byte)'{', (byte)'}', (byte)'[', (byte)']', (byte)'"', (byte)',', (byte)':', (byte)'-', (byte)'9', (byte)'\\', (byte)'\n', (byte)' '];

    private static readonly string[] InterestingNumbers =
    [
        "0", "-1", "1", "2", "7", "-0", "0.5", "1e3", "1e400", "-1e400", "2147483647", "2147483648", "-2147483649",
        "4294967296", "9007199254740993", "9223372036854775807", "9223372036854775808", "-9223372036854775808",
        "18446744073709551616", "1152921504606846976", "123456789012345678901234567890",
    ];

    private static readonly string[] InterestingStrings =
    [
        "", " ", "../x", "../../etc/passwd", "/etc/passwd", "C:\\\\Windows\\\\win.ini", "a/../../b", "\\u0000", "\\ud800", "\\udfff\\ud800",
        "\\u202e", "F32", "BF16", "F8_E4M3", "LORA", "qwen2", "llama", "BPE", "NFC", "ByteLevel", "Split", "default", "<|im_end|>",
        "user", "assistant", "__metadata__", "weight_map", "data_offsets", "shape", "dtype",
    ];

    public Random Random { get; } = new(seed);

    /// <summary>1 to 4 byte-level edits of <paramref name="input"/>, sometimes splicing in part of another corpus input.</summary>
    public byte[] MutateBytes(byte[] input, IReadOnlyList<byte[]> corpus)
    {
        var bytes = new List<byte>(input);
        int edits = 1 + Random.Next(4);
        for (int e = 0; e < edits; e++)
        {
            int op = Random.Next(8);
            int pos = bytes.Count == 0 ? 0 : Random.Next(bytes.Count);
            switch (op)
            {
                case 0 when bytes.Count > 0:
                    bytes[pos] ^= (byte)(1 << Random.Next(8));
                    break;
                case 1 when bytes.Count > 0:
                    bytes[pos] = InterestingBytes[Random.Next(InterestingBytes.Length)];
                    break;
                case 2:
                    bytes.Insert(pos, InterestingBytes[Random.Next(InterestingBytes.Length)]);
                    break;
                case 3 when bytes.Count > 0:
                    bytes.RemoveRange(pos, Math.Min(bytes.Count - pos, 1 + Random.Next(16)));
                    break;
                case 4:
                    bytes.RemoveRange(pos, bytes.Count - pos);
                    break;
                case 5 when bytes.Count > 0:
                    int len = Math.Min(bytes.Count - pos, 1 + Random.Next(64));
                    bytes.InsertRange(Random.Next(bytes.Count), bytes.GetRange(pos, len));
                    break;
                case 6 when corpus.Count > 0:
                    var other = corpus[Random.Next(corpus.Count)];
                    if (other.Length == 0) break;
                    int from = Random.Next(other.Length);
                    int count = Math.Min(other.Length - from, 1 + Random.Next(128));
                    bytes.InsertRange(pos, other.AsSpan(from, count).ToArray());
                    break;
                default:
                    if (bytes.Count > 0) bytes[pos] = (byte)Random.Next(256);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>
    /// 1 to 3 structural edits of a JSON document (when it parses), then sometimes a textual edit (duplicated key,
    /// deep nesting, hostile escape). Returns UTF-8 text.
    /// </summary>
    public string MutateJson(string json)
    {
        JsonNode? root;
        try
        {
            root = JsonNode.Parse(json);
        }
        catch (JsonException)
        {
            return Encoding.UTF8.GetString(MutateBytes(Encoding.UTF8.GetBytes(json), []));
        }

        if (root is null) return "null";
        int edits = 1 + Random.Next(3);
        for (int e = 0; e < edits; e++)
        {
            var nodes = new List<JsonNode>();
            Collect(root, nodes);
            if (nodes.Count == 0) break;
            var target = nodes[Random.Next(nodes.Count)];
            if (target == root)
            {
                if (Random.Next(8) == 0) root = RandomValue(2);
                continue;
            }

            var parent = target.Parent!;
            switch (Random.Next(5))
            {
                case 0:
                    Remove(parent, target);
                    break;
                case 1:
                    Replace(parent, target, RandomValue(2));
                    break;
                case 2:
                    Replace(parent, target, nodes[Random.Next(nodes.Count)] is var donor && donor != root && !IsAncestor(target, donor) ? donor.DeepClone() : RandomValue(1));
                    break;
                case 3 when parent is JsonArray array:
                    array.Add(target.DeepClone());
                    break;
                case 3 when parent is JsonObject obj:
                    obj[InterestingStrings[Random.Next(InterestingStrings.Length)] + Random.Next(3)] = target.DeepClone();
                    break;
                default:
                    Replace(parent, target, ScalarLike(target));
                    break;
            }
        }

        string text;
        try
        {
            text = root?.ToJsonString() ?? "null";
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
        {
            text = json; // a lone surrogate the writer refuses; mutate the text instead
        }

        return Random.Next(4) == 0 ? MutateText(text) : text;
    }

    /// <summary>Textual JSON edits that JsonNode cannot express: a duplicated key, deep nesting, raw escapes.</summary>
    public string MutateText(string text)
    {
        switch (Random.Next(4))
        {
            case 0:
                // Duplicate the first key of a random object: {"k":v,...} -> {"k":0,"k":v,...}
                int brace = text.IndexOf("{\"", Random.Next(Math.Max(1, text.Length)), StringComparison.Ordinal);
                if (brace < 0) brace = text.IndexOf("{\"", StringComparison.Ordinal);
                if (brace < 0) return text;
                int close = text.IndexOf('"', brace + 2);
                if (close < 0) return text;
                string key = text[(brace + 1)..(close + 1)];
                return text[..(brace + 1)] + key + ":0," + text[(brace + 1)..];
            case 1:
                int depth = 60 + Random.Next(10);
                int at = text.IndexOf(':', Random.Next(Math.Max(1, text.Length)));
                if (at < 0) return text;
                return text[..(at + 1)] + new string('[', depth) + new string(']', depth) + "," + "\"zz\":" + text[(at + 1)..];
            case 2:
                int quote = text.IndexOf('"', Random.Next(Math.Max(1, text.Length)));
                if (quote < 0) return text;
                return text[..(quote + 1)] + (Random.Next(2) == 0 ? "\\ud800" : "\\u0000") + text[(quote + 1)..];
            default:
                return text.Length == 0 ? text : text[..Random.Next(text.Length)];
        }
    }

    /// <summary>A random JSON value of any kind, biased towards values parsers get wrong.</summary>
    public JsonNode? RandomValue(int depth)
    {
        switch (Random.Next(depth > 0 ? 8 : 6))
        {
            case 0: return null;
            case 1: return JsonValue.Create(Random.Next(2) == 0);
            case 2: return JsonNode.Parse(InterestingNumbers[Random.Next(InterestingNumbers.Length)]);
            case 3: return JsonNode.Parse("\"" + InterestingStrings[Random.Next(InterestingStrings.Length)] + "\"");
            case 4: return JsonValue.Create(new string((char)('a' + Random.Next(26)), Random.Next(3) == 0 ? 10_000 : Random.Next(20)));
            case 5: return JsonValue.Create(Random.NextDouble() * Math.Pow(10, Random.Next(-5, 20)) * (Random.Next(2) == 0 ? -1 : 1));
            case 6:
                var array = new JsonArray();
                for (int i = Random.Next(4); i > 0; i--) array.Add(RandomValue(depth - 1));
                return array;
            default:
                var obj = new JsonObject();
                for (int i = Random.Next(4); i > 0; i--) obj[InterestingStrings[Random.Next(InterestingStrings.Length)] + i] = RandomValue(depth - 1);
                return obj;
        }
    }

    private JsonNode? ScalarLike(JsonNode target) => target switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => JsonNode.Parse(InterestingNumbers[Random.Next(InterestingNumbers.Length)]),
        JsonValue v when v.GetValueKind() == JsonValueKind.String => JsonNode.Parse("\"" + InterestingStrings[Random.Next(InterestingStrings.Length)] + "\""),
        JsonArray a => a.Count == 0 ? new JsonArray(RandomValue(1)) : new JsonArray(),
        JsonObject => new JsonObject(),
        _ => RandomValue(1),
    };

    private static void Collect(JsonNode? node, List<JsonNode> nodes)
    {
        if (node is null) return;
        nodes.Add(node);
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, v) in o) Collect(v, nodes);
                break;
            case JsonArray a:
                foreach (var v in a) Collect(v, nodes);
                break;
        }
    }

    private static bool IsAncestor(JsonNode ancestor, JsonNode node)
    {
        for (var p = node; p is not null; p = p.Parent)
        {
            if (p == ancestor) return true;
        }

        return false;
    }

    private static void Remove(JsonNode parent, JsonNode target)
    {
        if (parent is JsonObject o) o.Remove(target.GetPropertyName());
        else if (parent is JsonArray a) a.RemoveAt(target.GetElementIndex());
    }

    private static void Replace(JsonNode parent, JsonNode target, JsonNode? value)
    {
        if (parent is JsonObject o) o[target.GetPropertyName()] = value;
        else if (parent is JsonArray a) a[target.GetElementIndex()] = value;
    }
}
