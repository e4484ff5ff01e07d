using System.IO.Compression;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.ML.Tokenizers;

namespace Plus.Torch.Tokenization;

/// <summary>
/// A Hugging Face byte-level BPE tokenizer (Qwen2/2.5/3, Llama 3, GPT-2 family) loaded from a <c>tokenizer.json</c>
/// into Microsoft.ML.Tokenizers' <see cref="BpeTokenizer"/>, with the special tokens of the
/// <c>tokenizer_config.json</c> beside it. It gives the same ids as HF <c>tokenizers</c> with
/// <c>add_special_tokens=False</c>: no BOS or EOS is ever added, and special-token strings written in the text map
/// to their single ids.
/// </summary>
/// <remarks>
/// Immutable after loading. Only BPE models with a byte-level alphabet are supported (<c>model.type</c> "BPE",
/// a <c>ByteLevel</c> pre-tokenizer or decoder); normalizers may be absent or NFC. The <c>lstrip</c>,
/// <c>rstrip</c>, <c>single_word</c> and <c>normalized</c> flags of added tokens are kept when saving but not
/// applied when encoding (Qwen and Llama 3 set none of them).
/// </remarks>
public sealed class HfTokenizer
{
    /// <summary>The file name of the tokenizer definition in a checkpoint folder.</summary>
    public const string TokenizerFileName = "tokenizer.json";

    /// <summary>The file name of the tokenizer configuration (special tokens, chat template) in a checkpoint folder.</summary>
    public const string ConfigFileName = "tokenizer_config.json";

    /// <summary>Token strings treated as end of turn when they exist as added tokens, besides the configured EOS token.</summary>
    private static readonly string[] KnownEndOfTurnTokens = ["<|im_end|>", "<|endoftext|>", "<|eot_id|>", "<|eom_id|>", "<|end_of_text|>"];

    private readonly TokenizerDefinition _definition;
    private readonly JsonObject? _config;
    private readonly BpeTokenizer _bpe;
    private readonly Dictionary<string, int> _tokenToId;
    private readonly Dictionary<int, string> _idToToken;
    private readonly HashSet<int> _specialIds;

    private HfTokenizer(TokenizerDefinition definition, JsonObject? config, string source, string? configSource)
    {
        _definition = definition;
        _config = config;
        Source = source;

        _tokenToId = new Dictionary<string, int>(definition.Vocab, StringComparer.Ordinal);
        _idToToken = new Dictionary<int, string>(definition.Vocab.Count + definition.AddedTokens.Count);
        foreach (var (token, id) in definition.Vocab)
        {
            if (!_idToToken.TryAdd(id, token))
            {
                throw new InvalidDataException($"Tokenizer file '{source}' cannot be loaded: model.vocab gives id {id} to both '{_idToToken[id]}' and '{token}'.");
            }
        }

        var special = new Dictionary<string, int>(StringComparer.Ordinal);
        _specialIds = [];
        foreach (AddedTokenEntry added in definition.AddedTokens)
        {
            if (_idToToken.TryGetValue(added.Id, out string? existing) && existing != added.Content)
            {
                throw new InvalidDataException($"Tokenizer file '{source}' cannot be loaded: added token '{added.Content}' has id {added.Id}, which model.vocab gives to '{existing}'.");
            }

            _idToToken[added.Id] = added.Content;
            _tokenToId[added.Content] = added.Id;
            special[added.Content] = added.Id;
            if (added.Special)
            {
                _specialIds.Add(added.Id);
            }
        }

        VocabSize = _idToToken.Count == 0 ? 0 : _idToToken.Keys.Max() + 1;

        var options = new BpeOptions(definition.Vocab)
        {
            Merges = definition.Merges.Select(m => m.Left + " " + m.Right),
            ByteLevel = true,
            SpecialTokens = special,
            PreTokenizer = new RegexPreTokenizer(new Regex(definition.SplitPattern, RegexOptions.Compiled), special),
            Normalizer = definition.Nfc ? NfcNormalizer.Instance : null,
        };
        string? prefix = (string?)definition.ModelSettings["continuing_subword_prefix"];
        string? suffix = (string?)definition.ModelSettings["end_of_word_suffix"];
        if (!string.IsNullOrEmpty(prefix))
        {
            options.ContinuingSubwordPrefix = prefix;
        }

        if (!string.IsNullOrEmpty(suffix))
        {
            options.EndOfWordSuffix = suffix;
        }

        _bpe = BpeTokenizer.Create(options);

        string configName = configSource ?? source;
        BosToken = ConfigToken(config, "bos_token", configName);
        EosToken = ConfigToken(config, "eos_token", configName);
        PadToken = ConfigToken(config, "pad_token", configName);
        BosTokenId = BosToken is null ? null : _tokenToId[BosToken];
        EosTokenId = EosToken is null ? null : _tokenToId[EosToken];
        PadTokenId = PadToken is null ? null : _tokenToId[PadToken];
        ChatTemplate = ReadChatTemplate(config);

        var endOfTurn = new List<int>();
        if (EosTokenId is int eos)
        {
            endOfTurn.Add(eos);
        }

        foreach (string name in KnownEndOfTurnTokens)
        {
            if (special.TryGetValue(name, out int id) && !endOfTurn.Contains(id))
            {
                endOfTurn.Add(id);
            }
        }

        EndOfTurnTokenIds = endOfTurn;
        SpecialTokenIds = _specialIds;
    }

    /// <summary>Where this tokenizer was loaded from (a file path), or a description for one built in memory.</summary>
    public string Source { get; }

    /// <summary>
    /// The number of ids: one more than the highest id of the vocabulary and the added tokens (HF's
    /// <c>len(tokenizer)</c>). A model's embedding table may be larger (Qwen pads it to a multiple of 128).
    /// </summary>
    public int VocabSize { get; }

    /// <summary>The ids of the added tokens marked <c>special</c> (skipped by <see cref="Decode"/> with <c>skipSpecialTokens</c>).</summary>
    public IReadOnlySet<int> SpecialTokenIds { get; }

    /// <summary>The <c>bos_token</c> of <c>tokenizer_config.json</c>, or null (Qwen has none).</summary>
    public string? BosToken { get; }

    /// <summary>The <c>eos_token</c> of <c>tokenizer_config.json</c>, or null.</summary>
    public string? EosToken { get; }

    /// <summary>The <c>pad_token</c> of <c>tokenizer_config.json</c>, or null.</summary>
    public string? PadToken { get; }

    /// <summary>The id of <see cref="BosToken"/>, or null.</summary>
    public int? BosTokenId { get; }

    /// <summary>The id of <see cref="EosToken"/>, or null.</summary>
    public int? EosTokenId { get; }

    /// <summary>The id of <see cref="PadToken"/>, or null. For Qwen it is <c>&lt;|endoftext|&gt;</c>, which is also an end-of-turn token: never find a row's end from the first pad id.</summary>
    public int? PadTokenId { get; }

    /// <summary>
    /// The ids at which generation stops: the EOS token, then those of <c>&lt;|im_end|&gt;</c>,
    /// <c>&lt;|endoftext|&gt;</c>, <c>&lt;|eot_id|&gt;</c>, <c>&lt;|eom_id|&gt;</c> and <c>&lt;|end_of_text|&gt;</c>
    /// that exist as added tokens (for Qwen: 151645 and 151643).
    /// </summary>
    public IReadOnlyList<int> EndOfTurnTokenIds { get; }

    /// <summary>The <c>chat_template</c> of <c>tokenizer_config.json</c> (the default one when there are several), or null.</summary>
    public string? ChatTemplate { get; }

    /// <summary>The underlying Microsoft.ML.Tokenizers tokenizer, for APIs that take a <see cref="Tokenizer"/>.</summary>
    public Tokenizer InnerTokenizer => _bpe;

    /// <summary>
    /// Loads a tokenizer from a <c>tokenizer.json</c> (plain or gzip-compressed, detected from its first bytes) or from
    /// a folder holding <c>tokenizer.json</c> or <c>tokenizer.json.gz</c>. A <c>tokenizer_config.json</c> in the same
    /// folder, when present, gives the BOS, EOS and pad tokens and the chat template.
    /// </summary>
    /// <param name="pathOrDirectory">A tokenizer file or a checkpoint folder.</param>
    /// <returns>The loaded tokenizer.</returns>
    /// <exception cref="FileNotFoundException">Neither the file nor a tokenizer in the folder exists.</exception>
    /// <exception cref="InvalidDataException">A file is not valid JSON or describes an unsupported tokenizer; the message names the file and what is wrong.</exception>
    public static HfTokenizer Load(string pathOrDirectory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(pathOrDirectory);
        string file = ResolveTokenizerFile(pathOrDirectory);
        string configPath = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, ConfigFileName);
        bool withConfig = false;
        try
        {
            TokenizerDefinition definition;
            using (JsonDocument doc = ReadJson(file))
            {
                definition = TokenizerDefinition.Parse(doc.RootElement, file);
            }

            JsonObject? config = null;
            if (File.Exists(configPath))
            {
                withConfig = true;
                using JsonDocument doc = ReadJson(configPath);
                config = JsonNode.Parse(doc.RootElement.GetRawText()) as JsonObject
                    ?? throw new InvalidDataException($"Tokenizer config '{configPath}' cannot be loaded: the top level is not a JSON object.");
            }

            return new HfTokenizer(definition, config, file, config is null ? null : configPath);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or KeyNotFoundException or OverflowException)
        {
            // A value of an unexpected JSON kind, or a regex or vocabulary that Microsoft.ML.Tokenizers refuses.
            string what = withConfig ? $"Tokenizer '{file}' with its config '{configPath}'" : $"Tokenizer file '{file}'";
            throw new InvalidDataException($"{what} cannot be loaded: {ex.Message}", ex);
        }
    }

    /// <summary>Builds a tokenizer from an in-memory definition (used by <see cref="TokenizerSubsetBuilder"/>).</summary>
    internal static HfTokenizer FromDefinition(TokenizerDefinition definition, JsonObject? config, string source) =>
        new(definition, config, source, null);

    /// <summary>The parsed definition, for builders that derive a new tokenizer from this one.</summary>
    internal TokenizerDefinition Definition => _definition;

    /// <summary>The raw <c>tokenizer_config.json</c>, or null.</summary>
    internal JsonObject? Config => _config;

    /// <summary>The underlying BPE tokenizer.</summary>
    internal BpeTokenizer Bpe => _bpe;

    /// <summary>
    /// Encodes text to ids. Adds no special tokens; special-token strings in the text (such as
    /// <c>&lt;|im_start|&gt;</c>) map to their single ids. The text is NFC-normalized first when the tokenizer says so.
    /// </summary>
    /// <param name="text">The text.</param>
    /// <returns>The ids, in order.</returns>
    public IReadOnlyList<int> Encode(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Length == 0 ? [] : _bpe.EncodeToIds(text);
    }

    /// <summary>Encodes text and returns the token strings (byte-level spelling, e.g. <c>Ġworld</c>) instead of ids.</summary>
    /// <param name="text">The text.</param>
    /// <returns>The token strings, in order.</returns>
    public IReadOnlyList<string> EncodeToTokenStrings(string text) => Encode(text).Select(id => _idToToken[id]).ToArray();

    /// <summary>Decodes ids back to text (byte-level decoding; added tokens are written as they are spelled).</summary>
    /// <param name="ids">The ids.</param>
    /// <param name="skipSpecialTokens">Leave out the tokens in <see cref="SpecialTokenIds"/>, as HF's <c>skip_special_tokens</c>.</param>
    /// <returns>The text. Byte sequences that are not valid UTF-8 (a cut-off character) become U+FFFD.</returns>
    /// <exception cref="ArgumentOutOfRangeException">An id is not in the vocabulary.</exception>
    public string Decode(IEnumerable<int> ids, bool skipSpecialTokens = false)
    {
        ArgumentNullException.ThrowIfNull(ids);
        var kept = new List<int>();
        foreach (int id in ids)
        {
            if (!_idToToken.ContainsKey(id))
            {
                throw new ArgumentOutOfRangeException(nameof(ids), id, $"Token id {id} is not in the vocabulary of '{Source}' (ids 0..{VocabSize - 1}).");
            }

            if (!skipSpecialTokens || !_specialIds.Contains(id))
            {
                kept.Add(id);
            }
        }

        return kept.Count == 0 ? string.Empty : _bpe.Decode(kept, considerSpecialTokens: true);
    }

    /// <summary>The id of a token string (byte-level spelling, or an added token's text), or null when there is none.</summary>
    /// <param name="token">The token string.</param>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _tokenToId.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>The token string of an id (byte-level spelling, or an added token's text), or null when there is none.</summary>
    /// <param name="id">The id.</param>
    public string? IdToToken(int id) => _idToToken.TryGetValue(id, out string? token) ? token : null;

    /// <summary>
    /// Encodes several texts into a padded batch of ids, attention mask and position ids (host arrays, no tensors;
    /// see <see cref="TokenizedBatchExtensions.ToTensors"/>).
    /// </summary>
    /// <param name="texts">The texts (at least one).</param>
    /// <param name="padLeft">Pad on the left (for generation) rather than the right.</param>
    /// <param name="padId">The pad id; defaults to <see cref="PadTokenId"/>, then <see cref="EosTokenId"/>.</param>
    /// <param name="maxLength">Cut rows longer than this many tokens; null keeps every token.</param>
    /// <param name="truncation">Which end a cut row loses. Left (the default) keeps the end of the text, which is what a causal LM continues from and where a reward model reads its score.</param>
    /// <returns>The batch, <c>[batch, longest row]</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="texts"/> is empty or holds null.</exception>
    /// <exception cref="InvalidOperationException">No pad id was given and the tokenizer has neither a pad nor an EOS token.</exception>
    public TokenizedBatch EncodeBatch(IReadOnlyList<string> texts, bool padLeft, int? padId = null, int? maxLength = null, TruncationSide truncation = TruncationSide.Left)
    {
        ArgumentNullException.ThrowIfNull(texts);
        if (texts.Count == 0)
        {
            throw new ArgumentException("At least one text is needed to build a batch.", nameof(texts));
        }

        if (maxLength is int max)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(max, 1, nameof(maxLength));
        }

        int pad = padId ?? PadTokenId ?? EosTokenId
            ?? throw new InvalidOperationException($"Tokenizer '{Source}' has no pad_token or eos_token in {ConfigFileName}; pass padId to EncodeBatch.");

        var rows = new IReadOnlyList<int>[texts.Count];
        for (int i = 0; i < texts.Count; i++)
        {
            string text = texts[i] ?? throw new ArgumentException($"texts[{i}] is null.", nameof(texts));
            IReadOnlyList<int> ids = Encode(text);
            if (maxLength is int m && ids.Count > m)
            {
                ids = truncation == TruncationSide.Left ? ids.Skip(ids.Count - m).ToArray() : ids.Take(m).ToArray();
            }

            rows[i] = ids;
        }

        return TokenizedBatch.FromRows(rows, padLeft, pad);
    }

    /// <summary>
    /// Writes <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into a folder (created if needed), so that
    /// <see cref="Load"/> and HF <c>AutoTokenizer.from_pretrained</c> read the same tokenizer back. Each file is
    /// written to a temporary name and then renamed. The config keeps the loaded keys (chat template and so on) and
    /// rewrites <c>added_tokens_decoder</c> from the current added tokens.
    /// </summary>
    /// <param name="directory">The folder.</param>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        WriteAtomically(Path.Combine(directory, TokenizerFileName), _definition.Write);
        WriteAtomically(Path.Combine(directory, ConfigFileName), WriteConfig);
    }

    private void WriteConfig(Stream stream)
    {
        var config = _config is null ? new JsonObject() : (JsonObject)_config.DeepClone();
        if (_config is null)
        {
            config["tokenizer_class"] = "PreTrainedTokenizerFast";
            config["bos_token"] = null;
            config["eos_token"] = null;
            config["pad_token"] = null;
        }

        var decoder = new JsonObject();
        foreach (AddedTokenEntry a in _definition.AddedTokens.OrderBy(a => a.Id))
        {
            decoder[a.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)] = new JsonObject
            {
                ["content"] = a.Content,
                ["lstrip"] = a.LStrip,
                ["normalized"] = a.Normalized,
                ["rstrip"] = a.RStrip,
                ["single_word"] = a.SingleWord,
                ["special"] = a.Special,
            };
        }

        config["added_tokens_decoder"] = decoder;
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping });
        config.WriteTo(w);
    }

    private static void WriteAtomically(string path, Action<Stream> write)
    {
        string temp = path + ".tmp";
        using (var stream = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
        {
            write(stream);
        }

        File.Move(temp, path, overwrite: true);
    }

    private static string ResolveTokenizerFile(string pathOrDirectory)
    {
        if (Directory.Exists(pathOrDirectory))
        {
            foreach (string name in new[] { TokenizerFileName, TokenizerFileName + ".gz" })
            {
                string candidate = Path.Combine(pathOrDirectory, name);
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }

            throw new FileNotFoundException($"Folder '{pathOrDirectory}' holds no {TokenizerFileName} or {TokenizerFileName}.gz.", Path.Combine(pathOrDirectory, TokenizerFileName));
        }

        if (File.Exists(pathOrDirectory))
        {
            return pathOrDirectory;
        }

        throw new FileNotFoundException($"Tokenizer file or folder '{pathOrDirectory}' does not exist.", pathOrDirectory);
    }

    /// <summary>
    /// Reads a JSON file (plain or gzip) with the checks every model-folder file gets: at most
    /// <see cref="MaxFileBytes"/> (decompressed, so a gzip bomb stops there), strict UTF-8, no duplicate keys,
    /// at most 64 levels of nesting.
    /// </summary>
    private static JsonDocument ReadJson(string path)
    {
        using var file = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        Span<byte> magic = stackalloc byte[2];
        int read = file.ReadAtLeast(magic, 2, throwOnEndOfStream: false);
        file.Position = 0;
        bool gzip = read == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        try
        {
            byte[]? bytes;
            if (gzip)
            {
                try
                {
                    using var unzip = new GZipStream(file, CompressionMode.Decompress);
                    bytes = ReadAtMost(unzip, MaxFileBytes);
                }
                catch (InvalidDataException ex)
                {
                    throw new InvalidDataException($"'{path}' starts like a gzip file but cannot be decompressed: {ex.Message}", ex);
                }
            }
            else
            {
                bytes = file.Length > MaxFileBytes ? null : ReadAtMost(file, MaxFileBytes);
            }

            if (bytes is null)
            {
                throw new InvalidDataException($"'{path}' is larger than {MaxFileBytes} bytes (decompressed); this reader does not load tokenizer files that large.");
            }

            int bad = Checkpoints.StrictJson.InvalidUtf8Offset(bytes);
            if (bad >= 0) throw new InvalidDataException($"'{path}' is not valid UTF-8 (byte {bad}).");
            ReadOnlyMemory<byte> json = bytes;
            if (bytes.AsSpan().StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF])) json = json[3..];
            return JsonDocument.Parse(json, Checkpoints.StrictJson.Options);
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: {Checkpoints.StrictJson.Describe(ex)}", ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new InvalidDataException($"'{path}' is not valid JSON: it holds a string escape that is not valid Unicode (a lone surrogate): {ex.Message}", ex);
        }
    }

    /// <summary>The largest tokenizer file read (512 MiB, decompressed; Qwen's is 7 MiB, the largest known ones about 35 MiB).</summary>
    internal const int MaxFileBytes = 512 * 1024 * 1024;

    /// <summary>The whole stream, or null (after reading at most <paramref name="limit"/> bytes and a chunk) when it holds more than <paramref name="limit"/>.</summary>
    internal static byte[]? ReadAtMost(Stream stream, int limit)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int n;
        while ((n = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            if (buffer.Length + n > limit) return null;
            buffer.Write(chunk, 0, n);
        }

        return buffer.ToArray();
    }

    private string? ConfigToken(JsonObject? config, string key, string configName)
    {
        JsonNode? node = config?[key];
        string? token = node switch
        {
            null => null,
            JsonObject o => (string?)o["content"],
            JsonValue v when v.GetValueKind() == JsonValueKind.String => (string?)v,
            _ => throw new InvalidDataException($"Tokenizer config '{configName}': '{key}' is neither a string nor an object with 'content'."),
        };
        if (token is not null && !_tokenToId.ContainsKey(token))
        {
            throw new InvalidDataException($"Tokenizer config '{configName}': {key} '{token}' is not a token of the tokenizer ({Source}).");
        }

        return token;
    }

    private static string? ReadChatTemplate(JsonObject? config)
    {
        JsonNode? node = config?["chat_template"];
        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            return (string?)v;
        }

        if (node is JsonArray named)
        {
            // A list of {name, template}: take "default", else the first.
            JsonNode? chosen = named.FirstOrDefault(n => (string?)n?["name"] == "default") ?? named.FirstOrDefault();
            return (string?)chosen?["template"];
        }

        return null;
    }
}
