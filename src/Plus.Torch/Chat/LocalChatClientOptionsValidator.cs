using Microsoft.Extensions.Options;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Chat;

/// <summary>
/// Validates <see cref="LocalChatClientOptions"/> for the DI registration: the model folder exists and holds
/// <c>config.json</c> and a tokenizer, the device can be used, the chat format is known, and the generation defaults are
/// in range. Each failure names the option, such as <c>Plus:LocalChatClient:ModelDirectory</c>.
/// </summary>
public sealed class LocalChatClientOptionsValidator : IValidateOptions<LocalChatClientOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, LocalChatClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        const string Section = LocalChatClientOptions.SectionName;
        var errors = new List<string>(options.ValidateGenerationDefaults());
        if (!string.IsNullOrWhiteSpace(options.ModelDirectory))
        {
            string dir = options.ModelDirectory;
            if (!Directory.Exists(dir))
            {
                errors.Add($"{Section}:{nameof(options.ModelDirectory)} '{dir}' does not exist (full path '{Path.GetFullPath(dir)}').");
            }
            else
            {
                if (!File.Exists(Path.Combine(dir, "config.json")))
                {
                    errors.Add($"{Section}:{nameof(options.ModelDirectory)} '{dir}' has no config.json; it must be a Hugging Face model folder.");
                }

                if (!File.Exists(Path.Combine(dir, HfTokenizer.TokenizerFileName)) && !File.Exists(Path.Combine(dir, HfTokenizer.TokenizerFileName + ".gz")))
                {
                    errors.Add($"{Section}:{nameof(options.ModelDirectory)} '{dir}' has no {HfTokenizer.TokenizerFileName}.");
                }
            }
        }
        else if (!DefaultModels.IsTinyQwen2Available)
        {
            errors.Add($"{Section}:{nameof(options.ModelDirectory)} is not set and the default model '{DefaultModels.TinyQwen2}' is not available (its package {DefaultModels.TinyQwen2Package} is not referenced); set it to a Hugging Face model folder or add {DefaultModels.TinyQwen2Package}.");
        }

        if (string.IsNullOrWhiteSpace(options.Device))
        {
            errors.Add($"{Section}:{nameof(options.Device)} must be cpu, cuda, cuda:N or auto.");
        }
        else
        {
            try
            {
                TorchRuntime.ResolveDevice(options.Device);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException)
            {
                errors.Add($"{Section}:{nameof(options.Device)}: {ex.Message}");
            }
        }

        if (options.ChatFormat is { } format && !ChatFormatters.Names.Contains(format, StringComparer.OrdinalIgnoreCase))
        {
            errors.Add($"{Section}:{nameof(options.ChatFormat)} '{format}' is unknown; use one of {string.Join(", ", ChatFormatters.Names)} or leave it unset.");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
