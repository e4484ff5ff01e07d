using System.CommandLine;
using Microsoft.Extensions.Options;
using Plus.Data;
using Plus.Torch.Training;

namespace Plus.Cli.Commands;

/// <summary>
/// Runs a command's work and turns the failures users can cause (a missing or malformed file, options the data
/// cannot satisfy) into one <c>error: …</c> line on standard error and exit code 1, without a stack trace.
/// </summary>
internal static class CliError
{
    public static Task<int> RunAsync(ParseResult parseResult, Func<TextWriter, TextWriter, CancellationToken, Task> work, CancellationToken cancellationToken) =>
        RunAsync(parseResult, async (output, error, token) =>
        {
            await work(output, error, token).ConfigureAwait(false);
            return 0;
        }, cancellationToken);

    /// <summary>As above, for work that chooses its own exit code (<c>train</c>: 130 when interrupted).</summary>
    public static async Task<int> RunAsync(ParseResult parseResult, Func<TextWriter, TextWriter, CancellationToken, Task<int>> work, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            return await work(output, error, cancellationToken).ConfigureAwait(false);
        }
        catch (ArgumentException ex)
        {
            // A builder's option check (the values passed its range checks but not the data's or each other's):
            // print the reason without .NET's "(Parameter 'x')" and "Actual value was" suffixes.
            var message = ex.Message.Split('\n')[0];
            var parameter = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
            await error.WriteLineAsync($"error: {(parameter >= 0 ? message[..parameter] : message)}").ConfigureAwait(false);
            return 1;
        }
        catch (OptionsValidationException ex)
        {
            // The library's own option checks (a value the tool passed through, such as --batch-size for a method).
            await error.WriteLineAsync($"error: {string.Join(" ", ex.Failures)}").ConfigureAwait(false);
            return 1;
        }
        catch (Exception ex) when (ex is PreferenceDataException or NonFiniteLossException or FileNotFoundException or DirectoryNotFoundException
                                       or InvalidDataException or InvalidOperationException or IOException
                                       or UnauthorizedAccessException)
        {
            await error.WriteLineAsync($"error: {ex.Message}").ConfigureAwait(false);
            return 1;
        }
        catch (OperationCanceledException)
        {
            await error.WriteLineAsync("error: cancelled").ConfigureAwait(false);
            return 1;
        }
    }
}
