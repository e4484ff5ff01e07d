using Plus.Torch.Tokenization;

namespace Plus.Torch;

/// <summary>
/// Options of the TorchSharp backend, bound from <c>Plus:Torch</c>: which model and tokenizer to load, on which
/// device, and how reward-model inputs are built. Checked at start-up by <see cref="Validate"/>.
/// </summary>
public sealed class TorchBackendOptions : IValidatableOptions
{
    /// <summary>The configuration section: <c>Plus:Torch</c>.</summary>
    public const string SectionName = "Plus:Torch";

    /// <summary>
    /// A Hugging Face model folder (<c>config.json</c> + safetensors): a reward model (<c>*ForSequenceClassification</c>
    /// with <c>score.weight</c>) or a causal LM, which then gets a fresh reward head drawn with <see cref="HeadSeed"/> for
    /// training. Null (default) uses the embedded default model (<c>DefaultModels.ExtractTinyQwen2()</c>).
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>An optional PEFT LoRA adapter folder loaded on top of <see cref="ModelPath"/> (with its <c>score</c> head when saved).</summary>
    public string? AdapterPath { get; set; }

    /// <summary>
    /// An optional PEFT causal-LM LoRA adapter folder loaded on top of the summarizer's base by <c>AddTorchSummarizer()</c>
    /// (for example the <c>summarizer/</c> folder of a saved PLUS model, or an adapter trained elsewhere).
    /// </summary>
    public string? SummarizerAdapterPath { get; set; }

    /// <summary>The folder or file of <c>tokenizer.json</c>; null uses <see cref="ModelPath"/>.</summary>
    public string? TokenizerPath { get; set; }

    /// <summary>The device: <c>cpu</c> (default), <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// The parameter dtype of every model the backend loads (reward models, summarizers, the chat client): <c>auto</c>
    /// (default: bf16 on CUDA, fp32 on the CPU), <c>float32</c>, <c>bfloat16</c> or <c>float16</c>.
    /// </summary>
    public string DType { get; set; } = "auto";

    /// <summary>The chat format (<c>chatml</c>, <c>llama3</c>); null recognizes it from the tokenizer's chat template.</summary>
    public string? ChatFormat { get; set; }

    /// <summary>For ChatML, a system message inserted when a conversation has none (Qwen2/2.5 templates do); null inserts none.</summary>
    public string? DefaultSystemMessage { get; set; }

    /// <summary>The most tokens a reward-model input may hold before it is truncated (default 1024).</summary>
    public int MaxSequenceLength { get; set; } = 1024;

    /// <summary>Sequences per forward when scoring (default 16).</summary>
    public int ScoreBatchSize { get; set; } = 16;

    /// <summary>Seeds the new reward head when <see cref="ModelPath"/> is a causal LM (default 0).</summary>
    public int HeadSeed { get; set; }

    /// <summary>The dtype names <see cref="DType"/> accepts.</summary>
    public static IReadOnlyList<string> DTypeNames { get; } = ["auto", "float32", "bfloat16", "float16"];

    /// <inheritdoc />
    public IReadOnlyList<string> Validate()
    {
        const string S = TorchBackendOptions.SectionName;
        var errors = new List<string>();
        if (ModelPath is null)
        {
            if (!DefaultModels.IsTinyQwen2Available) errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} is not set and the embedded default model is not available: set it to a Hugging Face folder with config.json and safetensors.");
        }
        else if (string.IsNullOrWhiteSpace(ModelPath))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} must not be blank (leave it unset for the embedded default model).");
        }
        else if (!Directory.Exists(ModelPath))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} '{ModelPath}' does not exist.");
        }
        else if (!File.Exists(Path.Combine(ModelPath, "config.json")))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} '{ModelPath}' has no config.json.");
        }

        string? tokenizer = TokenizerPath ?? ModelPath;
        if (!string.IsNullOrWhiteSpace(tokenizer) && Directory.Exists(tokenizer)
            && !File.Exists(Path.Combine(tokenizer, HfTokenizer.TokenizerFileName)) && !File.Exists(Path.Combine(tokenizer, HfTokenizer.TokenizerFileName + ".gz")))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.TokenizerPath)}: '{tokenizer}' holds no tokenizer.json; set TokenizerPath to the tokenizer's folder.");
        }
        else if (TokenizerPath is { } t && !Directory.Exists(t) && !File.Exists(t))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.TokenizerPath)} '{t}' does not exist.");
        }

        if (SummarizerAdapterPath is { } summarizerAdapter && !File.Exists(Path.Combine(summarizerAdapter, Lora.PeftAdapterConfig.FileName)))
        {
            errors.Add($"{S}:{nameof(SummarizerAdapterPath)} '{summarizerAdapter}' has no {Lora.PeftAdapterConfig.FileName}.");
        }

        if (AdapterPath is { } adapter && !File.Exists(Path.Combine(adapter, Lora.PeftAdapterConfig.FileName)))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.AdapterPath)} '{adapter}' has no {Lora.PeftAdapterConfig.FileName}.");
        }

        string device = (Device ?? string.Empty).Trim().ToLowerInvariant();
        bool deviceOk = device is "cpu" or "cuda" or "auto"
            || (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int index) && index >= 0);
        if (!deviceOk) errors.Add($"{S}:{nameof(TorchBackendOptions.Device)} must be cpu, cuda, cuda:N or auto, found '{Device}'.");
        if (!DTypeNames.Contains((DType ?? string.Empty).Trim().ToLowerInvariant()))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.DType)} must be one of {string.Join(", ", DTypeNames)}, found '{DType}'.");
        }

        if (ChatFormat is { } format && !ChatFormatters.Names.Contains(format.Trim().ToLowerInvariant()))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ChatFormat)} must be one of {string.Join(", ", ChatFormatters.Names)} or unset, found '{format}'.");
        }

        if (MaxSequenceLength < 16) errors.Add($"{S}:{nameof(TorchBackendOptions.MaxSequenceLength)} must be at least 16, found {MaxSequenceLength}.");
        if (ScoreBatchSize < 1) errors.Add($"{S}:{nameof(TorchBackendOptions.ScoreBatchSize)} must be at least 1, found {ScoreBatchSize}.");
        if (HeadSeed < 0) errors.Add($"{S}:{nameof(TorchBackendOptions.HeadSeed)} must be ≥ 0, found {HeadSeed}.");
        return errors;
    }
}
