using System.CommandLine;
using Plus.Data;

namespace Plus.Cli.Commands;

/// <summary>
/// Runs a command's work and turns the failures users can cause (a missing or malformed file, options the data
/// cannot satisfy) into one <c>error: …</c> line on standard error and exit code 1, without a stack trace.
/// </summary>
internal static class CliError
{
    public static async Task<int> RunAsync(ParseResult parseResult, Func<TextWriter, TextWriter, CancellationToken, Task> work, CancellationToken cancellationToken)
    {
        var output = parseResult.InvocationConfiguration.Output;
        var error = parseResult.InvocationConfiguration.Error;
        try
        {
            await work(output, error, cancellationToken).ConfigureAwait(false);
            return 0;
        }
        catch (Exception ex) when (ex is PreferenceDataException or FileNotFoundException or DirectoryNotFoundException
                                       or InvalidDataException or InvalidOperationException or ArgumentException or IOException
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
