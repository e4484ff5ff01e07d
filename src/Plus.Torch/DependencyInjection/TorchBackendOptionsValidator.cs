using Microsoft.Extensions.Options;
using Plus.Torch.Tokenization;

namespace Plus.Torch;

/// <summary>
/// Validates <see cref="TorchBackendOptions"/> at start-up: the model folder exists with a <c>config.json</c>, the
/// tokenizer can be found, and device, dtype, chat format and sizes are valid. Each failure names the option, e.g.
/// <c>Plus:Torch:ModelPath '/models/rm' does not exist.</c>
/// </summary>
public sealed class TorchBackendOptionsValidator : IValidateOptions<TorchBackendOptions>
{
    /// <summary>The dtype names <see cref="TorchBackendOptions.DType"/> accepts.</summary>
    public static IReadOnlyList<string> DTypeNames { get; } = ["auto", "float32", "bfloat16", "float16"];

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TorchBackendOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string S = TorchBackendOptions.SectionName;
        var errors = new List<string>();
        if (options.ModelPath is null)
        {
            if (!DefaultModels.IsTinyQwen2Available) errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} is not set and the embedded default model is not available: set it to a Hugging Face folder with config.json and safetensors.");
        }
        else if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} must not be blank (leave it unset for the embedded default model).");
        }
        else if (!Directory.Exists(options.ModelPath))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} '{options.ModelPath}' does not exist.");
        }
        else if (!File.Exists(Path.Combine(options.ModelPath, "config.json")))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ModelPath)} '{options.ModelPath}' has no config.json.");
        }

        string? tokenizer = options.TokenizerPath ?? options.ModelPath;
        if (!string.IsNullOrWhiteSpace(tokenizer) && Directory.Exists(tokenizer)
            && !File.Exists(Path.Combine(tokenizer, HfTokenizer.TokenizerFileName)) && !File.Exists(Path.Combine(tokenizer, HfTokenizer.TokenizerFileName + ".gz")))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.TokenizerPath)}: '{tokenizer}' holds no tokenizer.json; set TokenizerPath to the tokenizer's folder.");
        }
        else if (options.TokenizerPath is { } t && !Directory.Exists(t) && !File.Exists(t))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.TokenizerPath)} '{t}' does not exist.");
        }

        if (options.AdapterPath is { } adapter && !File.Exists(Path.Combine(adapter, Lora.PeftAdapterConfig.FileName)))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.AdapterPath)} '{adapter}' has no {Lora.PeftAdapterConfig.FileName}.");
        }

        string device = (options.Device ?? string.Empty).Trim().ToLowerInvariant();
        bool deviceOk = device is "cpu" or "cuda" or "auto"
            || (device.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(device.AsSpan(5), out int index) && index >= 0);
        if (!deviceOk) errors.Add($"{S}:{nameof(TorchBackendOptions.Device)} must be cpu, cuda, cuda:N or auto, found '{options.Device}'.");
        if (!DTypeNames.Contains((options.DType ?? string.Empty).Trim().ToLowerInvariant()))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.DType)} must be one of {string.Join(", ", DTypeNames)}, found '{options.DType}'.");
        }

        if (options.ChatFormat is { } format && !ChatFormatters.Names.Contains(format.Trim().ToLowerInvariant()))
        {
            errors.Add($"{S}:{nameof(TorchBackendOptions.ChatFormat)} must be one of {string.Join(", ", ChatFormatters.Names)} or unset, found '{format}'.");
        }

        if (options.MaxSequenceLength < 16) errors.Add($"{S}:{nameof(TorchBackendOptions.MaxSequenceLength)} must be at least 16, found {options.MaxSequenceLength}.");
        if (options.ScoreBatchSize < 1) errors.Add($"{S}:{nameof(TorchBackendOptions.ScoreBatchSize)} must be at least 1, found {options.ScoreBatchSize}.");
        if (options.HeadSeed < 0) errors.Add($"{S}:{nameof(TorchBackendOptions.HeadSeed)} must be ≥ 0, found {options.HeadSeed}.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
