using System.CommandLine;

namespace Plus.Cli.Commands;

/// <summary>Factories for the options several commands share, with their validation.</summary>
internal static class CliOptions
{
    public static Option<DirectoryInfo> OutDirectory(string description) =>
        new("--out", "-o") { Description = description, Required = true, HelpName = "DIR" };

    public static Option<int> Seed() =>
        new("--seed") { Description = "Seeds every random choice; the same seed gives the same files.", DefaultValueFactory = _ => 0, HelpName = "N" };

    public static Option<FileInfo> ExistingFile(string name, string description)
    {
        var option = new Option<FileInfo>(name) { Description = description, Required = true, HelpName = "FILE" };
        option.AcceptExistingOnly();
        return option;
    }

    public static Option<string> Device(string defaultValue) => Choice("--device", "Where the model runs: cpu, cuda (the first GPU) or auto (cuda when available). The tool ships the CPU build of libtorch.", defaultValue, "cpu", "cuda", "auto");

    public static Option<string> DType() => Choice("--dtype", "Parameter dtype: auto (bfloat16 on cuda, float32 on cpu), float32 or bfloat16.", "auto", "auto", "float32", "bfloat16");

    public static Option<FileInfo> OutputFile(string description) =>
        new("--out", "-o") { Description = description, HelpName = "FILE" };

    private static Option<string> Choice(string name, string description, string defaultValue, params string[] values)
    {
        var option = new Option<string>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.AcceptOnlyFromAmong(values);
        return option;
    }

    public static Option<int> Count(string name, string description, int defaultValue, int minimum)
    {
        var option = new Option<int>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "N" };
        Validate(option, value => value < minimum ? $"Option '{name}' must be at least {minimum}, found {value}." : null);
        return option;
    }

    public static Option<int?> OptionalCount(string name, string description, int minimum)
    {
        var option = new Option<int?>(name) { Description = description, HelpName = "N" };
        Validate(option, value => value < minimum ? $"Option '{name}' must be at least {minimum}, found {value}." : null);
        return option;
    }

    public static Option<double> Fraction(string name, string description, double defaultValue, bool open)
    {
        var option = new Option<double>(name) { Description = description, DefaultValueFactory = _ => defaultValue, HelpName = "X" };
        Validate(option, value => (open ? value > 0 && value < 1 : value >= 0 && value <= 1)
            ? null
            : FormattableString.Invariant($"Option '{name}' must be in {(open ? "(0, 1)" : "[0, 1]")}, found {value}."));
        return option;
    }

    /// <summary>
    /// Adds a check of the option's converted value; <paramref name="check"/> returns the error message or null.
    /// A value that does not convert (<c>--seed abc</c>) is left to the parser, which reports it itself.
    /// </summary>
    public static void Validate<T>(Option<T> option, Func<T, string?> check) =>
        option.Validators.Add(result =>
        {
            T value;
            try
            {
                value = result.GetValueOrDefault<T>();
            }
            catch (InvalidOperationException)
            {
                return; // System.CommandLine runs validators even when conversion failed; its own error is already recorded.
            }

            if (check(value) is { } message) result.AddError(message);
        });
}
