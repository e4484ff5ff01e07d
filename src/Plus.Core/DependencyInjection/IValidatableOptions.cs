namespace Plus;

/// <summary>
/// Options that check themselves. Every options type of Plus.Sdk implements it, and DI validates each one the same way,
/// at start-up, through <see cref="OptionsValidator{TOptions}"/>; constructors that take options call the same method.
/// </summary>
public interface IValidatableOptions
{
    /// <summary>Checks every value.</summary>
    /// <returns>One message per problem, each naming the option by its configuration path (for example <c>Plus:Torch:BatchSize must be at least 1, found 0.</c>); empty when valid.</returns>
    IReadOnlyList<string> Validate();
}
