using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Chat;

/// <summary>
/// Options of <see cref="LocalChatClient"/> and of its DI registration (<c>AddLocalChatClient</c>), bound from the
/// <c>Plus:LocalChatClient</c> configuration section. Request-level <c>ChatOptions</c> override the defaults here.
/// </summary>
public sealed class LocalChatClientOptions : IValidatableOptions
{
    /// <summary>The configuration section name: <c>Plus:LocalChatClient</c>.</summary>
    public const string SectionName = "Plus:LocalChatClient";

    /// <summary>
    /// DI only: the Hugging Face model folder to load (<c>config.json</c>, safetensors, <c>tokenizer.json</c>);
    /// null or empty loads the embedded default model <c>plus-tiny-qwen2</c>.
    /// </summary>
    public string? ModelDirectory { get; set; }

    /// <summary>An optional PEFT causal-LM LoRA adapter folder loaded on top of the model (for example a saved PLUS model's <c>summarizer/</c>).</summary>
    public string? AdapterPath { get; set; }

    /// <summary>DI only: the device to load the model on: <c>cpu</c> (default), <c>cuda</c> or <c>cuda:N</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>The parameter dtype: <c>auto</c> (bf16 on CUDA, fp32 on the CPU), <c>float32</c>, <c>bfloat16</c> or <c>float16</c>; null (default) takes the backend's <c>Plus:Torch:DType</c> when one is registered, else <c>auto</c>.</summary>
    public string? DType { get; set; }

    /// <summary>DI only: the chat format, <c>chatml</c> or <c>llama3</c>; null reads it from the tokenizer's chat template (ChatML when there is none).</summary>
    public string? ChatFormat { get; set; }

    /// <summary>
    /// The model name reported in <c>ChatResponse.ModelId</c> and <c>ChatClientMetadata.DefaultModelId</c>; null uses the
    /// model folder's name (DI) or <c>local</c>.
    /// </summary>
    public string? ModelId { get; set; }

    /// <summary>New tokens per response when the request does not set <c>MaxOutputTokens</c> (default 256).</summary>
    public int MaxOutputTokens { get; set; } = 256;

    /// <summary>Sampling temperature when the request does not set one (default 1.0); 0 means greedy decoding.</summary>
    public float Temperature { get; set; } = 1.0f;

    /// <summary>Nucleus sampling threshold when the request does not set <c>TopP</c> (default 1.0: off).</summary>
    public float TopP { get; set; } = 1.0f;

    /// <summary>Top-k sampling when the request does not set <c>TopK</c> (default 0: off).</summary>
    public int TopK { get; set; }

    /// <summary>
    /// Checks the generation defaults (not the DI-only model location, which the DI validator checks).
    /// </summary>
    /// <returns>One message per problem, each naming the option; empty when valid.</returns>
    public IReadOnlyList<string> ValidateGenerationDefaults()
    {
        var errors = new List<string>();
        if (MaxOutputTokens < 1) errors.Add($"{SectionName}:{nameof(MaxOutputTokens)} must be at least 1 (found {MaxOutputTokens}).");
        if (!(Temperature >= 0) || float.IsInfinity(Temperature)) errors.Add($"{SectionName}:{nameof(Temperature)} must be 0 (greedy) or a positive finite number (found {Temperature}).");
        if (!(TopP > 0 && TopP <= 1)) errors.Add($"{SectionName}:{nameof(TopP)} must be in (0, 1] (found {TopP}).");
        if (TopK < 0) errors.Add($"{SectionName}:{nameof(TopK)} must be 0 (off) or positive (found {TopK}).");
        return errors;
    }

    /// <inheritdoc />
    /// <remarks>The generation defaults, the model folder (or the default model's package), the device and the chat format.</remarks>
    public IReadOnlyList<string> Validate()
    {
        const string Section = LocalChatClientOptions.SectionName;
        var errors = new List<string>(ValidateGenerationDefaults());
        if (!string.IsNullOrWhiteSpace(ModelDirectory))
        {
            string dir = ModelDirectory;
            if (!Directory.Exists(dir))
            {
                errors.Add($"{Section}:{nameof(ModelDirectory)} '{dir}' does not exist (full path '{Path.GetFullPath(dir)}').");
            }
            else
            {
                if (!File.Exists(Path.Combine(dir, "config.json")))
                {
                    errors.Add($"{Section}:{nameof(ModelDirectory)} '{dir}' has no config.json; it must be a Hugging Face model folder.");
                }

                if (!File.Exists(Path.Combine(dir, HfTokenizer.TokenizerFileName)) && !File.Exists(Path.Combine(dir, HfTokenizer.TokenizerFileName + ".gz")))
                {
                    errors.Add($"{Section}:{nameof(ModelDirectory)} '{dir}' has no {HfTokenizer.TokenizerFileName}.");
                }
            }
        }
        else if (!DefaultModels.IsTinyQwen2Available)
        {
            errors.Add($"{Section}:{nameof(ModelDirectory)} is not set and the default model '{DefaultModels.TinyQwen2}' is not available (its package {DefaultModels.TinyQwen2Package} is not referenced); set it to a Hugging Face model folder or add {DefaultModels.TinyQwen2Package}.");
        }

        if (string.IsNullOrWhiteSpace(Device))
        {
            errors.Add($"{Section}:{nameof(Device)} must be cpu, cuda, cuda:N or auto.");
        }
        else
        {
            try
            {
                TorchRuntime.ResolveDevice(Device);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                errors.Add($"{Section}:{nameof(Device)}: {ex.Message}");
            }
        }

        if (ChatFormat is { } format && !ChatFormatters.Names.Contains(format, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{Section}:{nameof(ChatFormat)} '{format}' is unknown; use one of {string.Join(", ", ChatFormatters.Names)} or leave it unset.");
        }

        if (AdapterPath is { } adapter && !File.Exists(Path.Combine(adapter, Lora.PeftAdapterConfig.FileName)))
        {
            errors.Add($"{Section}:{nameof(AdapterPath)} '{adapter}' has no {Lora.PeftAdapterConfig.FileName}.");
        }

        return errors;
    }
}
