using Microsoft.Extensions.Options;
using Plus.Baselines.Trainers;

namespace Plus.Baselines;

/// <summary>Validates <see cref="DplTrainerOptions"/> at start-up (see <see cref="DplTrainerOptions.Validate"/>).</summary>
public sealed class DplTrainerOptionsValidator : IValidateOptions<DplTrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, DplTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
