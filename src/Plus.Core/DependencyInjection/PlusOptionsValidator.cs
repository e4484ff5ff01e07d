using Microsoft.Extensions.Options;
using Plus.Prompts;

namespace Plus;

/// <summary>
/// Validates <see cref="PlusOptions"/> beyond its data annotations: every prompt template must hold its required
/// placeholders and only the placeholders available to it. Each failure message names the option, such as
/// <c>Plus:Prompts:Pets:Summarizer is missing the required placeholder {pairs}.</c>
/// </summary>
public sealed class PlusOptionsValidator : IValidateOptions<PlusOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, PlusOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (options.Prompts is null) errors.Add($"{PromptTemplateOptions.Path} must not be null.");
        else errors.AddRange(options.Prompts.Validate());
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
