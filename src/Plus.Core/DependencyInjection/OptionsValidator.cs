using Microsoft.Extensions.Options;

namespace Plus;

/// <summary>The one <see cref="IValidateOptions{TOptions}"/> of Plus.Sdk: runs <see cref="IValidatableOptions.Validate"/> and fails with every message.</summary>
/// <typeparam name="TOptions">The options type.</typeparam>
public sealed class OptionsValidator<TOptions> : IValidateOptions<TOptions>
    where TOptions : class, IValidatableOptions
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, TOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
