using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus.Torch.Checkpoints;

namespace Plus.Torch.Lora;

/// <summary>
/// PEFT's <c>adapter_config.json</c> for a LoRA adapter: <c>peft_type</c> <c>LORA</c>, <c>r</c>, <c>lora_alpha</c>,
/// <c>lora_dropout</c>, <c>target_modules</c>, <c>modules_to_save</c>, <c>task_type</c>, <c>use_rslora</c>,
/// <c>base_model_name_or_path</c>. Keys this library does not use are kept in <see cref="ExtraProperties"/> and
/// written back. Immutable.
/// </summary>
public sealed record PeftAdapterConfig
{
    /// <summary>The file name: <c>adapter_config.json</c>.</summary>
    public const string FileName = "adapter_config.json";

    /// <summary>PEFT's task type of a reward model / sequence classifier: <c>SEQ_CLS</c>.</summary>
    public const string SequenceClassificationTask = "SEQ_CLS";

    /// <summary>PEFT's task type of a causal language model: <c>CAUSAL_LM</c>.</summary>
    public const string CausalLMTask = "CAUSAL_LM";

    private static readonly HashSet<string> KnownKeys = new(StringComparer.Ordinal)
    {
        "peft_type", "r", "lora_alpha", "lora_dropout", "target_modules", "modules_to_save", "task_type", "use_rslora",
        "base_model_name_or_path", "bias", "fan_in_fan_out", "use_dora", "layers_to_transform", "layers_pattern",
        "rank_pattern", "alpha_pattern", "inference_mode", "init_lora_weights",
    };

    /// <summary>The adapter hyper-parameters.</summary>
    public required LoraSettings Settings { get; init; }

    /// <summary>PEFT's <c>task_type</c> (<see cref="SequenceClassificationTask"/>, <see cref="CausalLMTask"/>) or null.</summary>
    public string? TaskType { get; init; }

    /// <summary>Where the base model came from (<c>base_model_name_or_path</c>), or null.</summary>
    public string? BaseModelNameOrPath { get; init; }

    /// <summary>Other keys of the file, written back unchanged.</summary>
    public IReadOnlyDictionary<string, JsonNode?> ExtraProperties { get; init; } = new Dictionary<string, JsonNode?>();

    /// <summary>Reads <c>adapter_config.json</c> from an adapter folder or a file path.</summary>
    /// <param name="path">The folder or the file.</param>
    /// <returns>The config.</returns>
    /// <exception cref="FileNotFoundException">There is no such file.</exception>
    /// <exception cref="CheckpointException">
    /// Invalid JSON, <c>peft_type</c> other than LORA, or a LoRA feature this library does not implement (DoRA,
    /// <c>fan_in_fan_out</c>, trained biases, per-layer rank or alpha patterns, <c>layers_to_transform</c>, regex
    /// <c>target_modules</c>); the message names the file and the key.
    /// </exception>
    public static PeftAdapterConfig Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        string file = Directory.Exists(path) ? Path.Combine(path, FileName) : path;
        if (!File.Exists(file)) throw new FileNotFoundException($"Adapter config '{file}' does not exist.", file);
        byte[] bytes = StrictJson.ReadUtf8File(file, StrictJson.MaxConfigBytes, $"Adapter config '{file}'", m => new CheckpointException(m, file));
        return Parse(System.Text.Encoding.UTF8.GetString(bytes), file);
    }

    /// <summary>Parses the text of an <c>adapter_config.json</c>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="source">The file name used in error messages.</param>
    /// <returns>The config.</returns>
    /// <exception cref="CheckpointException">See <see cref="Load"/>.</exception>
    public static PeftAdapterConfig Parse(string json, string source = FileName)
    {
        ArgumentNullException.ThrowIfNull(json);
        JsonObject root;
        try
        {
            root = JsonNode.Parse(json.TrimStart('\uFEFF'), nodeOptions: null, documentOptions: StrictJson.Options) as JsonObject
                ?? throw new CheckpointException($"Adapter config '{source}' is not a JSON object.", source);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"Adapter config '{source}' is not valid JSON: {StrictJson.Describe(ex)}", source, null, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointException($"Adapter config '{source}' is not valid JSON: it holds a string escape that is not valid Unicode (a lone surrogate): {ex.Message}", source, null, ex);
        }

        try
        {
            return ParseObject(root, source);
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or OverflowException or ArgumentException)
        {
            // A value of an unexpected JSON kind deep inside a section; the checks below name the common cases.
            throw new CheckpointException($"Adapter config '{source}' has a value of an unexpected type: {ex.Message}", source, null, ex);
        }
    }

    private static PeftAdapterConfig ParseObject(JsonObject root, string source)
    {

        string peftType = Str(root, "peft_type", source) ?? throw Fail(source, "lacks the key 'peft_type'");
        if (peftType != "LORA") throw Fail(source, $"has peft_type '{peftType}'; only LORA adapters are supported");
        if (Bool(root, "use_dora", source) == true) throw Fail(source, "uses DoRA (use_dora: true), which is not supported");
        if (Bool(root, "fan_in_fan_out", source) == true) throw Fail(source, "sets fan_in_fan_out: true (Conv1D layers), which is not supported");
        string bias = Str(root, "bias", source) ?? "none";
        if (bias != "none") throw Fail(source, $"trains biases (bias: '{bias}'); only 'none' is supported");
        if (root["layers_to_transform"] is JsonNode layers && layers.GetValueKind() != JsonValueKind.Null)
        {
            throw Fail(source, "restricts layers (layers_to_transform), which is not supported");
        }

        foreach (var key in new[] { "rank_pattern", "alpha_pattern" })
        {
            if (root[key] is JsonObject pattern && pattern.Count > 0) throw Fail(source, $"sets per-module '{key}', which is not supported");
        }

        int rank = Int(root, "r", source) ?? 8;
        double alpha = Num(root, "lora_alpha", source) ?? 8;
        double dropout = Num(root, "lora_dropout", source) ?? 0;
        IReadOnlyList<string> targets = root["target_modules"] switch
        {
            JsonArray array => array.Select((n, i) => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw Fail(source, $"target_modules[{i}] is not a string")).ToArray(),
            JsonValue v when v.TryGetValue(out string? s) && s == LoraSettings.AllLinear => [LoraSettings.AllLinear],
            JsonValue v when v.TryGetValue(out string? s) => throw Fail(source, $"gives target_modules as the pattern '{s}'; only a list of module names or 'all-linear' is supported"),
            _ => throw Fail(source, "lacks target_modules"),
        };
        IReadOnlyList<string> modulesToSave = root["modules_to_save"] switch
        {
            null => [],
            JsonArray array => array.Select((n, i) => n is JsonValue v && v.TryGetValue(out string? s) ? s : throw Fail(source, $"modules_to_save[{i}] is not a string")).ToArray(),
            JsonValue v when v.GetValueKind() == JsonValueKind.Null => [],
            _ => throw Fail(source, "has modules_to_save that is not a list of names"),
        };

        var settings = new LoraSettings
        {
            Rank = rank,
            Alpha = alpha,
            Dropout = dropout,
            TargetModules = targets,
            ModulesToSave = modulesToSave,
            UseRsLora = Bool(root, "use_rslora", source) ?? false,
        };
        try
        {
            settings.Validate();
        }
        catch (ArgumentException ex)
        {
            throw new CheckpointException($"Adapter config '{source}': {ex.Message}", source, null, ex);
        }

        var extra = new Dictionary<string, JsonNode?>(StringComparer.Ordinal);
        foreach (var (k, v) in root)
        {
            if (!KnownKeys.Contains(k)) extra[k] = v?.DeepClone();
        }

        return new PeftAdapterConfig
        {
            Settings = settings,
            TaskType = Str(root, "task_type", source),
            BaseModelNameOrPath = Str(root, "base_model_name_or_path", source),
            ExtraProperties = extra,
        };
    }

    /// <summary>Renders the config as the JSON PEFT's <c>PeftConfig.from_pretrained</c> reads.</summary>
    /// <returns>Indented JSON with sorted keys.</returns>
    public string ToJson()
    {
        Settings.Validate();
        var root = new JsonObject();
        foreach (var (k, v) in ExtraProperties) root[k] = v?.DeepClone();
        root["peft_type"] = "LORA";
        root["task_type"] = TaskType;
        root["base_model_name_or_path"] = BaseModelNameOrPath;
        root["r"] = Settings.Rank;
        root["lora_alpha"] = Settings.Alpha == Math.Floor(Settings.Alpha) && Math.Abs(Settings.Alpha) < int.MaxValue
            ? JsonValue.Create((int)Settings.Alpha)
            : JsonValue.Create(Settings.Alpha);
        root["lora_dropout"] = Settings.Dropout;
        root["target_modules"] = new JsonArray([.. Settings.ResolveTargets().Select(t => (JsonNode?)t)]);
        root["modules_to_save"] = Settings.ModulesToSave.Count == 0 ? null : new JsonArray([.. Settings.ModulesToSave.Select(t => (JsonNode?)t)]);
        root["use_rslora"] = Settings.UseRsLora;
        root["use_dora"] = false;
        root["bias"] = "none";
        root["fan_in_fan_out"] = false;
        root["inference_mode"] = true;
        root["init_lora_weights"] = true;
        root["layers_to_transform"] = null;
        root["layers_pattern"] = null;
        root["rank_pattern"] = new JsonObject();
        root["alpha_pattern"] = new JsonObject();
        var sorted = new JsonObject();
        foreach (var (k, v) in root.OrderBy(p => p.Key, StringComparer.Ordinal)) sorted[k] = v?.DeepClone();
        return sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }

    /// <summary>Writes <c>adapter_config.json</c> into a folder, atomically.</summary>
    /// <param name="directory">The adapter folder (created if missing).</param>
    public void Save(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory.CreateDirectory(directory);
        Plus.Torch.Training.AtomicFile.WriteAllText(Path.Combine(directory, FileName), ToJson());
    }

    private static CheckpointException Fail(string source, string what) => new($"Adapter config '{source}' {what}.", source);

    private static string? Str(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.TryGetValue(out string? s) => s,
        var other => throw Fail(source, $"has '{key}' = {other.ToJsonString()}, expected a string"),
    };

    private static bool? Bool(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.TryGetValue(out bool b) => b,
        var other => throw Fail(source, $"has '{key}' = {other.ToJsonString()}, expected true or false"),
    };

    private static double? Num(JsonObject o, string key, string source) => o[key] switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.GetValue<double>(),
        var other => throw Fail(source, $"has '{key}' = {other.ToJsonString()}, expected a number"),
    };

    private static int? Int(JsonObject o, string key, string source)
    {
        double? d = Num(o, key, source);
        if (d is null) return null;
        if (d != Math.Floor(d.Value) || d < 1 || d > int.MaxValue) throw Fail(source, $"has '{key}' = {d.Value.ToString(CultureInfo.InvariantCulture)}, expected a positive integer");
        return (int)d.Value;
    }
}
