namespace Plus.Torch.Persistence;

/// <summary>How <see cref="TrainedModel.Load"/> opens a saved folder (bound from <c>Plus:Model</c> by <c>AddPlusModel</c>).</summary>
public sealed class TrainedModelLoadOptions : IValidatableOptions
{
    /// <summary>The configuration section: <c>Plus:Model</c>.</summary>
    public const string SectionName = "Plus:Model";

    /// <summary>The saved model folder (required by <c>AddPlusModel(IConfiguration)</c>).</summary>
    public string? Path { get; set; }

    /// <summary>The device: <c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>; null (default) takes the backend's <c>Plus:Torch:Device</c> in DI, else <c>cpu</c>.</summary>
    public string? Device { get; set; }

    /// <summary>The parameter dtype: <c>auto</c> (bf16 on CUDA, fp32 on the CPU), <c>float32</c>, <c>bfloat16</c>, <c>float16</c>; null (default) takes the backend's <c>Plus:Torch:DType</c> in DI, else <c>auto</c>.</summary>
    public string? DType { get; set; }

    /// <summary>
    /// Where the base model of an adapter is, when it is not at the path recorded at training time (and is not the
    /// embedded default model). Its digest must match the manifest's.
    /// </summary>
    public string? BaseModelPath { get; set; }

    /// <summary>Check every file's size and SHA-256 against the manifest (default true).</summary>
    public bool VerifyFiles { get; set; } = true;

    /// <summary>Override the trained summarizer's sampling temperature (null: as trained).</summary>
    public double? SummaryTemperature { get; set; }

    /// <summary>Override the trained summarizer's token cap (null: as trained).</summary>
    public int? MaxSummaryTokens { get; set; }

    /// <summary>Override the trained summarizer's seed (null: as trained).</summary>
    public long? SummarySeed { get; set; }

    /// <summary>Decode summaries greedily instead of sampling as trained (default false).</summary>
    public bool GreedySummaries { get; set; }

    /// <summary>A copy of these options.</summary>
    /// <returns>A new instance with the same values.</returns>
    public TrainedModelLoadOptions Clone() => (TrainedModelLoadOptions)MemberwiseClone();

    /// <inheritdoc />
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(Path)) errors.Add($"{SectionName}:{nameof(Path)} is required: the folder of a saved model.");
        else if (!File.Exists(System.IO.Path.Combine(Path, TrainedModelManifest.FileName)))
            errors.Add($"{SectionName}:{nameof(Path)} '{Path}' has no {TrainedModelManifest.FileName}: it is not a saved Plus.Sdk model.");
        if (Device is not null && string.IsNullOrWhiteSpace(Device)) errors.Add($"{SectionName}:{nameof(Device)} must not be blank (leave it unset for the default).");
        if (DType is not null && DType.Trim().ToLowerInvariant() is not ("auto" or "float32" or "fp32" or "bfloat16" or "bf16" or "float16" or "fp16"))
            errors.Add($"{SectionName}:{nameof(DType)} must be auto, float32, bfloat16 or float16, found '{DType}'.");
        if (SummaryTemperature is { } t && !(t > 0 && double.IsFinite(t))) errors.Add($"{SectionName}:{nameof(SummaryTemperature)} must be positive, found {t}.");
        if (MaxSummaryTokens is < 1) errors.Add($"{SectionName}:{nameof(MaxSummaryTokens)} must be at least 1, found {MaxSummaryTokens}.");
        return errors;
    }
}
