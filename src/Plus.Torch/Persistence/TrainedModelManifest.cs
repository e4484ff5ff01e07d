using System.Text.Json;
using System.Text.Json.Serialization;
using Plus.Prompts;
using Plus.Torch.Summarization;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Persistence;

/// <summary>
/// <c>plus.json</c>, the manifest of a saved trained model (schema: docs/trained-models.md): format and version, the
/// method and its conditioning, the domain and the exact prompt templates used, the reward model and summarizer
/// entries with their base models, the training record and every file with its size and digest.
/// </summary>
public sealed record TrainedModelManifest
{
    /// <summary>The manifest's file name: <c>plus.json</c>.</summary>
    public const string FileName = "plus.json";

    /// <summary>The value of <see cref="Format"/>: <c>plus-sdk.trained-model</c>.</summary>
    public const string FormatName = "plus-sdk.trained-model";

    /// <summary>The format version this build writes and reads: 1.</summary>
    public const int CurrentFormatVersion = 1;

    private static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        MaxDepth = 64,
    };

    /// <summary>Always <see cref="FormatName"/>.</summary>
    public string Format { get; init; } = FormatName;

    /// <summary>The format version (<see cref="CurrentFormatVersion"/>).</summary>
    public int FormatVersion { get; init; } = CurrentFormatVersion;

    /// <summary>The Plus.Sdk version that wrote it.</summary>
    public string? LibraryVersion { get; init; }

    /// <summary>The method (<c>PLUS</c>, <c>BTL</c>, …).</summary>
    public required string Method { get; init; }

    /// <summary>The conditioning: <c>none</c>, <c>summary</c>, <c>context</c> or <c>oracle</c>.</summary>
    public required string Conditioning { get; init; }

    /// <summary>The prompt domain: <c>pets</c>, <c>ultrafeedback</c>, <c>prism</c> or <c>generic</c>.</summary>
    public required string Domain { get; init; }

    /// <summary>The prompt templates the model was trained with (summarizer prompt, conditioning prefixes).</summary>
    public required DomainPromptTemplates Prompts { get; init; }

    /// <summary>The reward model.</summary>
    public required ManifestRewardModel RewardModel { get; init; }

    /// <summary>The summarizer, for methods that have one.</summary>
    public ManifestSummarizer? Summarizer { get; init; }

    /// <summary>How the model was trained.</summary>
    public required ManifestTraining Training { get; init; }

    /// <summary>Every file of the folder except the manifest.</summary>
    public IReadOnlyList<ManifestFile> Files { get; init; } = [];

    /// <summary>The manifest as indented JSON.</summary>
    /// <returns>The JSON text.</returns>
    public string ToJson() => JsonSerializer.Serialize(this, Json) + "\n";

    /// <summary>Parses and checks a manifest.</summary>
    /// <param name="json">The JSON text.</param>
    /// <param name="path">The file, named in errors.</param>
    /// <returns>The manifest.</returns>
    /// <exception cref="TrainedModelException">Not valid JSON (or a key given twice), not a Plus.Sdk manifest, an unknown format version, a missing entry, or a path that leaves the folder.</exception>
    public static TrainedModelManifest Parse(string json, string path)
    {
        ArgumentNullException.ThrowIfNull(json);
        TrainedModelManifest? manifest;
        try
        {
            using var document = JsonDocument.Parse(json.TrimStart('\uFEFF'), Checkpoints.StrictJson.Options);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object) throw new TrainedModelException($"'{path}' is not a JSON object.", path);
            if (!root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String || format.GetString() != FormatName)
                throw new TrainedModelException($"'{path}' is not a Plus.Sdk trained-model manifest (its \"format\" is not \"{FormatName}\").", path);
            if (!root.TryGetProperty("format_version", out var version) || version.ValueKind != JsonValueKind.Number || !version.TryGetInt32(out int v))
                throw new TrainedModelException($"'{path}' has no integer \"format_version\".", path);
            if (v != CurrentFormatVersion)
                throw new TrainedModelException($"'{path}' has format_version {v}; this Plus.Sdk reads version {CurrentFormatVersion}{(v > CurrentFormatVersion ? " (it was written by a newer Plus.Sdk: upgrade the package)" : string.Empty)}.", path);
            manifest = root.Deserialize<TrainedModelManifest>(Json);
        }
        catch (JsonException ex)
        {
            throw new TrainedModelException($"'{path}' is not a valid manifest: {ex.Message}", path, ex);
        }
        catch (NotSupportedException ex)
        {
            throw new TrainedModelException($"'{path}' is not a valid manifest: {ex.Message}", path, ex);
        }
        catch (InvalidOperationException ex)
        {
            // System.Text.Json reports a '\ud800' escape (half a surrogate pair) in a string this way.
            throw new TrainedModelException($"'{path}' is not a valid manifest: {ex.Message}", path, ex);
        }

        if (manifest is null) throw new TrainedModelException($"'{path}' is empty.", path);
        manifest.Check(path);
        return manifest;
    }

    /// <summary>Checks the entries that loading relies on.</summary>
    /// <param name="path">The manifest file, named in errors.</param>
    /// <exception cref="TrainedModelException">An entry is missing or invalid.</exception>
    public void Check(string path)
    {
        void Require(bool ok, string what)
        {
            if (!ok) throw new TrainedModelException($"'{path}': {what}.", path);
        }

        Require(!string.IsNullOrWhiteSpace(Method), "\"method\" is missing");
        Require(Conditioning is "none" or "summary" or "context" or "oracle", $"\"conditioning\" must be none, summary, context or oracle, found '{Conditioning}'");
        Require(Domain is "pets" or "ultrafeedback" or "prism" or "generic", $"\"domain\" must be pets, ultrafeedback, prism or generic, found '{Domain}'");
        Require(Prompts is not null, "\"prompts\" is missing");
        Require(RewardModel is not null, "\"reward_model\" is missing");
        Require(Training is not null, "\"training\" is missing");
        Require(Files is not null, "\"files\" is missing");
        // Other formats (dpl-mean-variance, dpl-categorical, vpl from Plus.Baselines) store the same backbone part with files on top; their loaders check them.
        Require(
            RewardModel!.Format is { Length: > 0 } f && f.All(c => c is (>= 'a' and <= 'z') or (>= '0' and <= '9') or '-'),
            $"reward_model.format must be hf-sequence-classification, peft-lora or another lowercase format name (dpl-mean-variance, dpl-categorical, vpl), found '{RewardModel.Format}'");
        Require(RewardModel.Format != "peft-lora" || RewardModel.BaseModel is not null, "reward_model.base_model is required for a peft-lora reward model");
        Require(RewardModel.MaxSequenceLength >= 16 && RewardModel.ScoreBatchSize > 0, "reward_model.max_sequence_length must be at least 16 and score_batch_size positive");
        Require(!string.IsNullOrWhiteSpace(RewardModel.ChatFormat), "reward_model.chat_format is missing");
        CheckRelative(RewardModel.Path, path, "reward_model.path");
        if (RewardModel.BaseModel is not null) CheckReference(RewardModel.BaseModel, path, "reward_model.base_model");
        // What the loaders build from the manifest's values must fail here, naming the file, not later as an
        // ArgumentException about an option the caller never set.
        Valid(path, "prompts", () => _ = new PromptRenderer(PromptTemplateOptions.ParseDomain(Domain), Prompts!));
        Valid(path, "reward_model.chat_format", () => ChatFormatters.FromName(RewardModel.ChatFormat, RewardModel.DefaultSystemMessage));
        if (Conditioning == "summary") Require(Summarizer is not null, "\"summarizer\" is required for summary conditioning");
        if (Summarizer is not null)
        {
            Require(Summarizer.Format is "peft-lora" or "base", $"summarizer.format must be peft-lora or base, found '{Summarizer.Format}'");
            Require(Summarizer.BaseModel is not null, "summarizer.base_model is missing");
            Require(Summarizer.Sampling is not null, "summarizer.sampling is missing");
            Require(Summarizer.Format != "peft-lora" || Summarizer.Path is not null, "summarizer.path is required for a peft-lora summarizer");
            Require(!string.IsNullOrWhiteSpace(Summarizer.ChatFormat), "summarizer.chat_format is missing");
            CheckReference(Summarizer.BaseModel!, path, "summarizer.base_model");
            Valid(path, "summarizer.chat_format", () => ChatFormatters.FromName(Summarizer.ChatFormat, Summarizer.DefaultSystemMessage));
            var sampling = Summarizer.Sampling!;
            Valid(path, "summarizer.sampling", () => new SummarizerOptions
            {
                MaxSummaryTokens = sampling.MaxSummaryTokens, MaxSummaryWords = sampling.MaxSummaryWords, Temperature = sampling.Temperature,
                TopP = sampling.TopP, TopK = sampling.TopK, BatchSize = sampling.BatchSize,
            }.Validate());
            if (Summarizer.Path is not null) CheckRelative(Summarizer.Path, path, "summarizer.path");
        }

        foreach (var file in Files!)
        {
            Require(file is not null && file.Sha256 is { Length: 64 } && file.Size >= 0, "an entry of \"files\" lacks its size or sha256");
            CheckRelative(file!.Path, path, "files[].path");
        }
    }

    /// <summary>Resolves a manifest path inside <paramref name="root"/>, refusing one that leaves it.</summary>
    /// <param name="root">The model folder.</param>
    /// <param name="relative">The relative path from the manifest.</param>
    /// <param name="manifestPath">The manifest, named in errors.</param>
    /// <returns>The full path.</returns>
    /// <exception cref="TrainedModelException">The path is absolute or leaves the folder.</exception>
    public static string ResolveInside(string root, string relative, string manifestPath)
    {
        CheckRelative(relative, manifestPath, "path");
        string full = System.IO.Path.GetFullPath(System.IO.Path.Combine(root, relative));
        string rootFull = System.IO.Path.GetFullPath(root).TrimEnd(System.IO.Path.DirectorySeparatorChar) + System.IO.Path.DirectorySeparatorChar;
        if (!full.StartsWith(rootFull, StringComparison.Ordinal))
            throw new TrainedModelException($"'{manifestPath}' names '{relative}', which is outside the model folder.", manifestPath);
        return full;
    }

    private static void CheckReference(ModelReference reference, string manifestPath, string what)
    {
        if (string.IsNullOrWhiteSpace(reference.NameOrPath) || reference.NameOrPath.Any(char.IsControl))
            throw new TrainedModelException($"'{manifestPath}': {what}.name_or_path is missing or not a folder name.", manifestPath);
        if (reference.Sha256 is not { Length: 64 } sha || !sha.All(c => c is (>= '0' and <= '9') or (>= 'a' and <= 'f')))
            throw new TrainedModelException($"'{manifestPath}': {what}.sha256 must be 64 lower-case hex digits (the base model is checked against it).", manifestPath);
    }

    private static void Valid(string manifestPath, string what, Action build)
    {
        try
        {
            build();
        }
        catch (ArgumentException ex)
        {
            throw new TrainedModelException($"'{manifestPath}': {what} is invalid: {ex.Message}", manifestPath, ex);
        }
    }

    private static void CheckRelative(string? relative, string manifestPath, string what)
    {
        if (string.IsNullOrWhiteSpace(relative)
            || System.IO.Path.IsPathRooted(relative)
            || relative.Contains('\\', StringComparison.Ordinal)
            || relative.Any(char.IsControl)
            || relative.Split('/').Any(part => part is "" or "." or ".."))
        {
            throw new TrainedModelException($"'{manifestPath}': {what} '{relative}' must be a relative path inside the model folder (no '..', no absolute path).", manifestPath);
        }
    }
}
