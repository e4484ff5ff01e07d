using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Plus.Torch.Checkpoints;

/// <summary>
/// The architecture of a Qwen2/Llama-family decoder, as read from (and written to) a Hugging Face <c>config.json</c>.
/// </summary>
/// <remarks>
/// Supported <c>model_type</c>s: <c>qwen2</c> (q/k/v projections always have a bias) and <c>llama</c>
/// (<c>attention_bias</c> adds biases to q/k/v/o; <c>mlp_bias</c> to the MLP). Both the new
/// <c>rope_parameters.rope_theta</c> and the older top-level <c>rope_theta</c> are read; only the
/// <c>default</c> rope type is supported. Unknown keys are kept in <see cref="ExtraProperties"/> and written back.
/// Immutable record; thread-safe.
/// </remarks>
public sealed record DecoderConfig
{
    /// <summary>The file name of the config in a model folder.</summary>
    public const string FileName = "config.json";

    /// <summary><c>model_type</c>: <c>qwen2</c> or <c>llama</c>.</summary>
    public string ModelType { get; init; } = "qwen2";

    /// <summary><c>hidden_size</c>: the model width.</summary>
    public int HiddenSize { get; init; }

    /// <summary><c>intermediate_size</c>: the MLP width.</summary>
    public int IntermediateSize { get; init; }

    /// <summary><c>num_hidden_layers</c>.</summary>
    public int NumHiddenLayers { get; init; }

    /// <summary><c>num_attention_heads</c>: query heads.</summary>
    public int NumAttentionHeads { get; init; }

    /// <summary><c>num_key_value_heads</c>: key/value heads (grouped-query attention); defaults to <see cref="NumAttentionHeads"/>.</summary>
    public int NumKeyValueHeads { get; init; }

    /// <summary><c>head_dim</c>; defaults to <see cref="HiddenSize"/> / <see cref="NumAttentionHeads"/>.</summary>
    public int HeadDim { get; init; }

    /// <summary><c>vocab_size</c>.</summary>
    public int VocabSize { get; init; }

    /// <summary><c>rms_norm_eps</c>.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>The rotary base θ (<c>rope_parameters.rope_theta</c> or <c>rope_theta</c>).</summary>
    public double RopeTheta { get; init; } = 10000.0;

    /// <summary><c>tie_word_embeddings</c>: the LM head reuses the input embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q/k/v projections have a bias (always for qwen2; <c>attention_bias</c> for llama).</summary>
    public bool QkvBias { get; init; }

    /// <summary>Whether the output projection has a bias (<c>attention_bias</c> for llama; never for qwen2).</summary>
    public bool OutputProjectionBias { get; init; }

    /// <summary><c>mlp_bias</c> (llama only).</summary>
    public bool MlpBias { get; init; }

    /// <summary><c>max_position_embeddings</c>.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary><c>bos_token_id</c>, when set.</summary>
    public int? BosTokenId { get; init; }

    /// <summary><c>eos_token_id</c> (an int or a list in the file); empty when unset.</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary><c>pad_token_id</c>, when set.</summary>
    public int? PadTokenId { get; init; }

    /// <summary><c>dtype</c> (or the older <c>torch_dtype</c>), e.g. <c>bfloat16</c>; informative only.</summary>
    public string? TorchDtype { get; init; }

    /// <summary>Keys of the original file that this record does not model; written back unchanged.</summary>
    public IReadOnlyDictionary<string, JsonNode?> ExtraProperties { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>The number of query heads that share one key/value head.</summary>
    public int QueriesPerKeyValueHead => NumAttentionHeads / NumKeyValueHeads;

    /// <summary>The HF architecture class name (<c>Qwen2ForCausalLM</c> or <c>LlamaForCausalLM</c>).</summary>
    public string ArchitectureName => ModelType == "llama" ? "LlamaForCausalLM" : "Qwen2ForCausalLM";

    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "model_type", "hidden_size", "intermediate_size", "num_hidden_layers", "num_attention_heads", "num_key_value_heads",
        "head_dim", "vocab_size", "rms_norm_eps", "rope_theta", "tie_word_embeddings", "attention_bias", "mlp_bias",
        "max_position_embeddings", "bos_token_id", "eos_token_id", "pad_token_id", "torch_dtype", "dtype", "architectures",
    };

    /// <summary>Reads <c>config.json</c> from a model folder or a file path.</summary>
    /// <param name="path">The folder or the file.</param>
    /// <returns>The validated config.</returns>
    /// <exception cref="FileNotFoundException">No config file.</exception>
    /// <exception cref="CheckpointException">Malformed JSON, an unknown <c>model_type</c>, a missing or invalid key; the message names the file and key.</exception>
    public static DecoderConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file)) throw new FileNotFoundException($"Model config '{file}' does not exist.", file);
        byte[] bytes = StrictJson.ReadUtf8File(file, StrictJson.MaxConfigBytes, $"Model config '{file}'", m => new CheckpointException(m, file));
        return Parse(System.Text.Encoding.UTF8.GetString(bytes), file);
    }

    /// <summary>Parses the text of a <c>config.json</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">The file name used in error messages.</param>
    /// <returns>The validated config.</returns>
    /// <exception cref="CheckpointException">Malformed JSON, an unknown <c>model_type</c>, a missing or invalid key.</exception>
    public static DecoderConfig Parse(string json, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json.TrimStart('\uFEFF'), nodeOptions: null, documentOptions: StrictJson.Options) as JsonObject
                ?? throw new CheckpointException($"Model config '{source}' is not a JSON object.", source);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"Model config '{source}' is not valid JSON: {StrictJson.Describe(ex)}", source, null, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointException($"Model config '{source}' is not valid JSON: it holds a string escape that is not valid Unicode (a lone surrogate): {ex.Message}", source, null, ex);
        }

        try
        {
            return ParseObject(root, source);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            // A value of an unexpected JSON kind deep inside a section; the checks above name the common cases.
            throw new CheckpointException($"Model config '{source}' has a value of an unexpected type: {ex.Message}", source, null, ex);
        }
    }

    private static DecoderConfig ParseObject(JsonObject root, string source)
    {

        string modelType = GetString(root, "model_type", source) ?? throw Missing(source, "model_type");
        if (modelType is not ("qwen2" or "llama"))
        {
            throw new CheckpointException(
                $"Model config '{source}' has model_type '{modelType}', which is not supported; supported: 'qwen2', 'llama'.", source);
        }

        int hidden = RequireInt(root, "hidden_size", source);
        int heads = RequireInt(root, "num_attention_heads", source);
        bool attentionBias = GetBool(root, "attention_bias", source) ?? false;
        var extra = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (k, v) in root)
        {
            if (!KnownKeys.Contains(k)) extra[k] = v?.DeepClone();
        }

        var config = new DecoderConfig
        {
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = RequireInt(root, "intermediate_size", source),
            NumHiddenLayers = RequireInt(root, "num_hidden_layers", source),
            NumAttentionHeads = heads,
            NumKeyValueHeads = GetInt(root, "num_key_value_heads", source) ?? heads,
            HeadDim = GetInt(root, "head_dim", source) ?? (heads > 0 ? hidden / heads : 0),
            VocabSize = RequireInt(root, "vocab_size", source),
            RmsNormEps = GetDouble(root, "rms_norm_eps", source) ?? 1e-6,
            RopeTheta = ReadRopeTheta(root, source),
            TieWordEmbeddings = GetBool(root, "tie_word_embeddings", source) ?? false,
            QkvBias = modelType == "qwen2" || attentionBias,
            OutputProjectionBias = modelType == "llama" && attentionBias,
            MlpBias = modelType == "llama" && (GetBool(root, "mlp_bias", source) ?? false),
            MaxPositionEmbeddings = GetInt(root, "max_position_embeddings", source) ?? 2048,
            BosTokenId = GetInt(root, "bos_token_id", source),
            EosTokenIds = ReadIds(root, "eos_token_id", source),
            PadTokenId = GetInt(root, "pad_token_id", source),
            TorchDtype = GetString(root, "dtype", source) ?? GetString(root, "torch_dtype", source),
            ExtraProperties = extra,
        };
        config.Validate(source);
        return config;
    }

    /// <summary>Checks that sizes are positive and head counts divide evenly.</summary>
    /// <param name="source">The file name used in error messages.</param>
    /// <exception cref="CheckpointException">A value is invalid; the message names the key.</exception>
    public void Validate(string source = FileName)
    {
        void Positive(int value, string key)
        {
            if (value <= 0) throw new CheckpointException($"Model config '{source}': '{key}' must be positive, found {value}.", source);
        }

        Positive(HiddenSize, "hidden_size");
        Positive(IntermediateSize, "intermediate_size");
        Positive(NumHiddenLayers, "num_hidden_layers");
        Positive(NumAttentionHeads, "num_attention_heads");
        Positive(NumKeyValueHeads, "num_key_value_heads");
        Positive(HeadDim, "head_dim");
        Positive(VocabSize, "vocab_size");
        if (NumAttentionHeads % NumKeyValueHeads != 0)
        {
            throw new CheckpointException(
                $"Model config '{source}': num_attention_heads ({NumAttentionHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads}).", source);
        }

        if (HeadDim % 2 != 0) throw new CheckpointException($"Model config '{source}': head_dim ({HeadDim}) must be even for rotary embeddings.", source);
        if (!(RmsNormEps > 0)) throw new CheckpointException($"Model config '{source}': 'rms_norm_eps' must be positive, found {RmsNormEps}.", source);
        if (!(RopeTheta > 0)) throw new CheckpointException($"Model config '{source}': 'rope_theta' must be positive, found {RopeTheta}.", source);
        if (ModelType is not ("qwen2" or "llama"))
        {
            throw new CheckpointException($"Model config '{source}' has model_type '{ModelType}', which is not supported; supported: 'qwen2', 'llama'.", source);
        }
    }

    /// <summary>Renders the config as <c>config.json</c> text that transformers reads.</summary>
    /// <param name="dtype">The <c>dtype</c> to record (e.g. <c>bfloat16</c>); <see langword="null"/> keeps <see cref="TorchDtype"/>.</param>
    /// <returns>Indented JSON.</returns>
    public string ToJson(string? dtype = null)
    {
        var root = new JsonObject();
        foreach (var (k, v) in ExtraProperties) root[k] = v?.DeepClone();
        root["architectures"] = new JsonArray(ArchitectureName);
        root["model_type"] = ModelType;
        root["hidden_size"] = HiddenSize;
        root["intermediate_size"] = IntermediateSize;
        root["num_hidden_layers"] = NumHiddenLayers;
        root["num_attention_heads"] = NumAttentionHeads;
        root["num_key_value_heads"] = NumKeyValueHeads;
        root["head_dim"] = HeadDim;
        root["vocab_size"] = VocabSize;
        root["rms_norm_eps"] = RmsNormEps;
        root["rope_theta"] = RopeTheta;
        var rope = root["rope_parameters"] as JsonObject ?? new JsonObject { ["rope_type"] = "default" };
        rope["rope_theta"] = RopeTheta;
        root["rope_parameters"] = rope;
        root["tie_word_embeddings"] = TieWordEmbeddings;
        if (ModelType == "llama")
        {
            root["attention_bias"] = QkvBias;
            root["mlp_bias"] = MlpBias;
        }

        root["max_position_embeddings"] = MaxPositionEmbeddings;
        if (BosTokenId is { } bos) root["bos_token_id"] = bos;
        if (EosTokenIds.Count == 1) root["eos_token_id"] = EosTokenIds[0];
        else if (EosTokenIds.Count > 1) root["eos_token_id"] = new JsonArray([.. EosTokenIds.Select(i => (JsonNode?)i)]);
        if (PadTokenId is { } pad) root["pad_token_id"] = pad;
        if ((dtype ?? TorchDtype) is { } d) root["dtype"] = d;
        var sorted = new JsonObject();
        foreach (var (k, v) in root.OrderBy(p => p.Key, StringComparer.Ordinal)) sorted[k] = v?.DeepClone();
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes <c>config.json</c> into a folder, atomically.</summary>
    /// <param name="directory">The model folder (created if missing).</param>
    /// <param name="dtype">The <c>dtype</c> to record; see <see cref="ToJson"/>.</param>
    public void Save(string directory, string? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Plus.Torch.Training.AtomicFile.WriteAllText(Path.Combine(directory, FileName), ToJson(dtype));
    }

    private static double ReadRopeTheta(JsonObject root, string source)
    {
        if (root["rope_parameters"] is JsonObject rp)
        {
            string? type = GetString(rp, "rope_type", source) ?? GetString(rp, "type", source);
            if (type is not (null or "default"))
            {
                throw new CheckpointException($"Model config '{source}' has rope_parameters.rope_type '{type}', which is not supported; supported: 'default'.", source);
            }

            if (GetDouble(rp, "rope_theta", source) is { } t) return t;
        }

        if (root["rope_scaling"] is JsonObject rs)
        {
            string? type = GetString(rs, "rope_type", source) ?? GetString(rs, "type", source);
            if (type is not (null or "default"))
            {
                throw new CheckpointException($"Model config '{source}' has rope_scaling type '{type}', which is not supported; supported: 'default'.", source);
            }
        }

        return GetDouble(root, "rope_theta", source) ?? 10000.0;
    }

    private static CheckpointException Missing(string source, string key) =>
        new($"Model config '{source}' lacks the required key '{key}'.", source);

    private static int RequireInt(JsonObject o, string key, string source) => GetInt(o, key, source) ?? throw Missing(source, key);

    private static JsonValue? Value(JsonObject o, string key) => o[key] as JsonValue;

    private static int? GetInt(JsonObject o, string key, string source)
    {
        var v = Value(o, key);
        if (v is null) return null;
        if (v.TryGetValue(out int i)) return i;
        if (v.TryGetValue(out double d) && d == Math.Floor(d) && d is >= int.MinValue and <= int.MaxValue) return (int)d;
        throw new CheckpointException($"Model config '{source}': '{key}' must be an integer, found {v.ToJsonString()}.", source);
    }

    private static double? GetDouble(JsonObject o, string key, string source)
    {
        var v = Value(o, key);
        if (v is null) return null;
        if (v.TryGetValue(out double d)) return d;
        if (v.TryGetValue(out string? s) && double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return d;
        throw new CheckpointException($"Model config '{source}': '{key}' must be a number, found {v.ToJsonString()}.", source);
    }

    private static bool? GetBool(JsonObject o, string key, string source)
    {
        var v = Value(o, key);
        if (v is null) return null;
        if (v.TryGetValue(out bool b)) return b;
        throw new CheckpointException($"Model config '{source}': '{key}' must be true or false, found {v.ToJsonString()}.", source);
    }

    private static string? GetString(JsonObject o, string key, string source)
    {
        var v = Value(o, key);
        if (v is null) return null;
        if (v.TryGetValue(out string? s)) return s;
        throw new CheckpointException($"Model config '{source}': '{key}' must be a string, found {v.ToJsonString()}.", source);
    }

    private static int[] ReadIds(JsonObject o, string key, string source)
    {
        switch (o[key])
        {
            case null:
                return [];
            case JsonArray arr:
                return [.. arr.Select(n => n is JsonValue jv && jv.TryGetValue(out int id)
                    ? id
                    : throw new CheckpointException($"Model config '{source}': '{key}' must hold integers, found {arr.ToJsonString()}.", source))];
            case JsonValue:
                return [GetInt(o, key, source)!.Value];
            default:
                throw new CheckpointException($"Model config '{source}': '{key}' must be an integer or a list of integers, found {o[key]!.ToJsonString()}.", source);
        }
    }
}
