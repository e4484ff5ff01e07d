using Microsoft.Extensions.Options;
using Plus.Baselines.Trainers;

namespace Plus.Baselines;

/// <summary>Validates <see cref="VplTrainerOptions"/> at start-up (see <see cref="VplTrainerOptions.Validate"/>).</summary>
public sealed class VplTrainerOptionsValidator : IValidateOptions<VplTrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, VplTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
