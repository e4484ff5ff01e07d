using Microsoft.Extensions.Options;
using Plus.Torch.Training;

namespace Plus.Torch;

/// <summary>Validates <see cref="BradleyTerryOptions"/> at start-up (see <see cref="BradleyTerryOptions.Validate"/>).</summary>
public sealed class BradleyTerryOptionsValidator : IValidateOptions<BradleyTerryOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, BradleyTerryOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = options.Validate();
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
