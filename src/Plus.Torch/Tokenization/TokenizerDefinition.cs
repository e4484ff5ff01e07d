using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Plus.Torch.Tokenization;

/// <summary>
/// The parts of a Hugging Face <c>tokenizer.json</c> that a byte-level BPE tokenizer needs, read and validated,
/// and written back in the same layout. Sections that are only carried through (normalizer, pre-tokenizer,
/// post-processor, decoder, model settings) are kept as JSON.
/// </summary>
internal sealed class TokenizerDefinition
{
    /// <summary>The GPT-2 split pattern, used when a <c>ByteLevel</c> pre-tokenizer has <c>use_regex</c> on.</summary>
    internal const string Gpt2SplitPattern = @"'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+";

    public required Dictionary<string, int> Vocab { get; init; }

    public required List<(string Left, string Right)> Merges { get; init; }

    /// <summary>Whether merges were written as <c>["a","b"]</c> arrays (newer files) rather than <c>"a b"</c> strings.</summary>
    public required bool MergesAsArrays { get; init; }

    public required List<AddedTokenEntry> AddedTokens { get; init; }

    /// <summary>The <c>model</c> object without <c>vocab</c> and <c>merges</c>, in file order.</summary>
    public required JsonObject ModelSettings { get; init; }

    public JsonNode? Normalizer { get; init; }

    public JsonNode? PreTokenizer { get; init; }

    public JsonNode? PostProcessor { get; init; }

    public JsonNode? Decoder { get; init; }

    public JsonNode? Truncation { get; init; }

    public JsonNode? Padding { get; init; }

    public string Version { get; init; } = "1.0";

    /// <summary>The regex the pre-tokenizer splits text with (isolated matches).</summary>
    public required string SplitPattern { get; init; }

    /// <summary>Whether the normalizer is NFC.</summary>
    public required bool Nfc { get; init; }

    /// <summary>Reads and validates a <c>tokenizer.json</c> document.</summary>
    /// <param name="root">The parsed document.</param>
    /// <param name="source">The file name to put in error messages.</param>
    public static TokenizerDefinition Parse(JsonElement root, string source)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "the top level is not a JSON object");
        }

        if (!root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "it has no 'model' object");
        }

        string? type = model.TryGetProperty("type", out JsonElement t) && t.ValueKind == JsonValueKind.String ? t.GetString() : null;
        if (type is not null && type != "BPE")
        {
            throw Invalid(source, $"model.type is '{type}'; only byte-level BPE tokenizers (model.type 'BPE', as Qwen, Llama 3 and GPT-2 use) are supported, not Unigram, WordPiece or WordLevel");
        }

        if (!model.TryGetProperty("vocab", out JsonElement vocabElement) || vocabElement.ValueKind != JsonValueKind.Object)
        {
            throw Invalid(source, "model.vocab is missing or is not an object of token -> id");
        }

        if (model.TryGetProperty("byte_fallback", out JsonElement bf) && bf.ValueKind == JsonValueKind.True)
        {
            throw Invalid(source, "model.byte_fallback is true (a SentencePiece-style BPE); only byte-level BPE is supported");
        }

        var vocab = new Dictionary<string, int>(vocabElement.GetPropertyCount(), StringComparer.Ordinal);
        foreach (JsonProperty p in vocabElement.EnumerateObject())
        {
            if (p.Value.ValueKind != JsonValueKind.Number || !p.Value.TryGetInt32(out int id) || id < 0 || id == int.MaxValue)
            {
                throw Invalid(source, $"model.vocab['{p.Name}'] is not a non-negative integer id");
            }

            vocab[p.Name] = id;
        }

        var (merges, asArrays) = ReadMerges(model, source);
        foreach (var (left, right) in merges)
        {
            if (left.Contains(' ', StringComparison.Ordinal) || right.Contains(' ', StringComparison.Ordinal))
            {
                throw Invalid(source, $"the merge ['{left}', '{right}'] contains a space; byte-level BPE tokens never do");
            }
        }

        var settings = new JsonObject();
        foreach (JsonProperty p in model.EnumerateObject())
        {
            if (p.Name is not "vocab" and not "merges")
            {
                settings[p.Name] = JsonNode.Parse(p.Value.GetRawText());
            }
        }

        settings["type"] ??= "BPE";

        var added = ReadAddedTokens(root, source);
        JsonNode? normalizer = Section(root, "normalizer");
        JsonNode? preTokenizer = Section(root, "pre_tokenizer");
        JsonNode? decoder = Section(root, "decoder");

        return new TokenizerDefinition
        {
            Vocab = vocab,
            Merges = merges,
            MergesAsArrays = asArrays,
            AddedTokens = added,
            ModelSettings = settings,
            Normalizer = normalizer,
            PreTokenizer = preTokenizer,
            PostProcessor = Section(root, "post_processor"),
            Decoder = decoder,
            Truncation = Section(root, "truncation"),
            Padding = Section(root, "padding"),
            Version = root.TryGetProperty("version", out JsonElement v) && v.ValueKind == JsonValueKind.String ? v.GetString()! : "1.0",
            SplitPattern = FindSplitPattern(preTokenizer, decoder, source),
            Nfc = IsNfc(normalizer, source),
        };
    }

    /// <summary>Writes the definition as a <c>tokenizer.json</c> in Hugging Face's layout.</summary>
    public void Write(Stream stream)
    {
        var options = new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
        using var w = new Utf8JsonWriter(stream, options);
        w.WriteStartObject();
        w.WriteString("version", Version);
        WriteNode(w, "truncation", Truncation);
        WriteNode(w, "padding", Padding);
        w.WriteStartArray("added_tokens");
        foreach (AddedTokenEntry a in AddedTokens.OrderBy(a => a.Id))
        {
            w.WriteStartObject();
            w.WriteNumber("id", a.Id);
            w.WriteString("content", a.Content);
            w.WriteBoolean("single_word", a.SingleWord);
            w.WriteBoolean("lstrip", a.LStrip);
            w.WriteBoolean("rstrip", a.RStrip);
            w.WriteBoolean("normalized", a.Normalized);
            w.WriteBoolean("special", a.Special);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        WriteNode(w, "normalizer", Normalizer);
        WriteNode(w, "pre_tokenizer", PreTokenizer);
        WriteNode(w, "post_processor", PostProcessor);
        WriteNode(w, "decoder", Decoder);
        w.WriteStartObject("model");
        foreach (var (name, value) in ModelSettings)
        {
            WriteNode(w, name, value);
        }

        w.WriteStartObject("vocab");
        foreach (var (token, id) in Vocab.OrderBy(kv => kv.Value))
        {
            w.WriteNumber(token, id);
        }

        w.WriteEndObject();
        w.WriteStartArray("merges");
        foreach (var (left, right) in Merges)
        {
            if (MergesAsArrays)
            {
                w.WriteStartArray();
                w.WriteStringValue(left);
                w.WriteStringValue(right);
                w.WriteEndArray();
            }
            else
            {
                w.WriteStringValue(left + " " + right);
            }
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.WriteEndObject();
    }

    private static void WriteNode(Utf8JsonWriter w, string name, JsonNode? node)
    {
        w.WritePropertyName(name);
        if (node is null)
        {
            w.WriteNullValue();
        }
        else
        {
            node.WriteTo(w);
        }
    }

    private static JsonNode? Section(JsonElement root, string name) =>
        root.TryGetProperty(name, out JsonElement e) && e.ValueKind != JsonValueKind.Null ? JsonNode.Parse(e.GetRawText()) : null;

    private static (List<(string, string)> Merges, bool AsArrays) ReadMerges(JsonElement model, string source)
    {
        var merges = new List<(string, string)>();
        if (!model.TryGetProperty("merges", out JsonElement m) || m.ValueKind == JsonValueKind.Null)
        {
            return (merges, false);
        }

        if (m.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, "model.merges is not an array");
        }

        merges.Capacity = m.GetArrayLength();
        bool? asArrays = null;
        int index = 0;
        foreach (JsonElement e in m.EnumerateArray())
        {
            if (e.ValueKind == JsonValueKind.String)
            {
                string s = e.GetString()!;
                int space = s.IndexOf(' ', StringComparison.Ordinal);
                if (space <= 0 || space == s.Length - 1 || s.IndexOf(' ', space + 1) >= 0)
                {
                    throw Invalid(source, $"model.merges[{index}] = \"{s}\" is not two tokens separated by one space");
                }

                merges.Add((s[..space], s[(space + 1)..]));
                asArrays ??= false;
            }
            else if (e.ValueKind == JsonValueKind.Array && e.GetArrayLength() == 2
                     && e[0].ValueKind == JsonValueKind.String && e[1].ValueKind == JsonValueKind.String)
            {
                merges.Add((e[0].GetString()!, e[1].GetString()!));
                asArrays ??= true;
            }
            else
            {
                throw Invalid(source, $"model.merges[{index}] is neither a \"a b\" string nor a [\"a\", \"b\"] pair");
            }

            index++;
        }

        return (merges, asArrays ?? true);
    }

    private static List<AddedTokenEntry> ReadAddedTokens(JsonElement root, string source)
    {
        var list = new List<AddedTokenEntry>();
        if (!root.TryGetProperty("added_tokens", out JsonElement a) || a.ValueKind == JsonValueKind.Null)
        {
            return list;
        }

        if (a.ValueKind != JsonValueKind.Array)
        {
            throw Invalid(source, "added_tokens is not an array");
        }

        int index = 0;
        foreach (JsonElement e in a.EnumerateArray())
        {
            if (e.ValueKind != JsonValueKind.Object
                || !e.TryGetProperty("id", out JsonElement id) || id.ValueKind != JsonValueKind.Number || !id.TryGetInt32(out int idValue) || idValue < 0 || idValue == int.MaxValue
                || !e.TryGetProperty("content", out JsonElement content) || content.ValueKind != JsonValueKind.String)
            {
                throw Invalid(source, $"added_tokens[{index}] has no non-negative integer 'id' and string 'content'");
            }

            list.Add(new AddedTokenEntry(
                idValue,
                content.GetString()!,
                Flag(e, "special"),
                Flag(e, "single_word"),
                Flag(e, "lstrip"),
                Flag(e, "rstrip"),
                Flag(e, "normalized")));
            index++;
        }

        return list;
    }

    private static bool Flag(JsonElement e, string name) => e.TryGetProperty(name, out JsonElement v) && v.ValueKind == JsonValueKind.True;

    private static string FindSplitPattern(JsonNode? preTokenizer, JsonNode? decoder, string source)
    {
        var steps = new List<JsonObject>();
        if (preTokenizer is JsonObject pre)
        {
            if ((string?)pre["type"] == "Sequence")
            {
                steps.AddRange((pre["pretokenizers"] as JsonArray ?? []).OfType<JsonObject>());
            }
            else
            {
                steps.Add(pre);
            }
        }

        string? pattern = null;
        bool byteLevel = (string?)decoder?["type"] == "ByteLevel";
        foreach (JsonObject step in steps)
        {
            string? type = (string?)step["type"];
            switch (type)
            {
                case "Split":
                    if (pattern is not null)
                    {
                        throw Invalid(source, "pre_tokenizer has more than one Split step; only one is supported");
                    }

                    string? behavior = (string?)step["behavior"];
                    if (behavior is not null && behavior != "Isolated")
                    {
                        throw Invalid(source, $"pre_tokenizer Split has behavior '{behavior}'; only 'Isolated' is supported");
                    }

                    if (step["invert"] is JsonValue inv && inv.GetValueKind() == JsonValueKind.True)
                    {
                        throw Invalid(source, "pre_tokenizer Split has invert = true; this is not supported");
                    }

                    pattern = (string?)step["pattern"]?["Regex"]
                        ?? (step["pattern"]?["String"] is JsonNode literal ? System.Text.RegularExpressions.Regex.Escape((string)literal!) : null)
                        ?? throw Invalid(source, "pre_tokenizer Split has no pattern.Regex or pattern.String");
                    break;
                case "ByteLevel":
                    byteLevel = true;
                    bool useRegex = step["use_regex"] is not JsonValue ur || ur.GetValueKind() != JsonValueKind.False;
                    if (step["add_prefix_space"] is JsonValue aps && aps.GetValueKind() == JsonValueKind.True)
                    {
                        throw Invalid(source, "pre_tokenizer ByteLevel has add_prefix_space = true; this is not supported");
                    }

                    if (useRegex)
                    {
                        if (pattern is not null)
                        {
                            throw Invalid(source, "pre_tokenizer has a Split step and a ByteLevel step with use_regex = true; only one split pattern is supported");
                        }

                        pattern = Gpt2SplitPattern;
                    }

                    break;
                default:
                    throw Invalid(source, $"pre_tokenizer step '{type}' is not supported (supported: Split with a regex, ByteLevel)");
            }
        }

        if (!byteLevel)
        {
            throw Invalid(source, "neither the pre_tokenizer nor the decoder is ByteLevel; only byte-level BPE tokenizers are supported");
        }

        return pattern ?? throw Invalid(source, "the pre_tokenizer has no Split regex and no ByteLevel step with use_regex; cannot split text into words");
    }

    private static bool IsNfc(JsonNode? normalizer, string source)
    {
        if (normalizer is null)
        {
            return false;
        }

        string? type = (string?)normalizer["type"];
        if (type == "NFC")
        {
            return true;
        }

        if (type == "Sequence" && normalizer["normalizers"] is JsonArray inner)
        {
            if (inner.Count == 0)
            {
                return false;
            }

            if (inner.Count == 1 && (string?)inner[0]?["type"] == "NFC")
            {
                return true;
            }
        }

        throw Invalid(source, $"normalizer '{normalizer.ToJsonString()}' is not supported (supported: none or NFC)");
    }

    private static InvalidDataException Invalid(string source, string what) =>
        new($"Tokenizer file '{source}' cannot be loaded: {what}.");
}
