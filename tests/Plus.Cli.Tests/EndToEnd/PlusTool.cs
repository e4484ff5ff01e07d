using System.Diagnostics;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary>Runs the built tool (<c>dotnet Plus.Cli.dll</c>, copied beside the tests) as a separate process.</summary>
internal static class PlusTool
{
    private static readonly string Dll = Path.Combine(AppContext.BaseDirectory, "Plus.Cli.dll");

    public static string Fixture(params string[] parts) =>
        Path.Combine(new[] { AppContext.BaseDirectory, "fixtures" }.Concat(parts).ToArray());

    // Every scratch folder of this test run lies under one run folder. Each run trains and saves models there (about
    // 300 MB in all), and left behind they filled the disk after some hundred runs, so a run deletes the run folders
    // older than 12 hours (a run in progress beside it is younger) and tries to delete its own when the host exits
    // (the test host is not always given the chance).
    private static readonly Lazy<string> RunFolder = new(() =>
    {
        var root = Path.Combine(Path.GetTempPath(), "plus-cli-tests");
        Directory.CreateDirectory(root);
        foreach (var stale in new DirectoryInfo(root).EnumerateDirectories())
        {
            if (stale.CreationTimeUtc < DateTime.UtcNow.AddHours(-12)) TryDelete(stale.FullName);
        }

        var folder = Path.Combine(root, "run-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        AppDomain.CurrentDomain.ProcessExit += (_, _) => TryDelete(folder);
        return folder;
    });

    private static void TryDelete(string folder)
    {
        try
        {
            Directory.Delete(folder, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    public static string NewScratchFolder()
    {
        var folder = Path.Combine(RunFolder.Value, Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }

    /// <summary>Runs <c>plus ARGS</c> in the test folder and waits for it.</summary>
    public static async Task<ToolResult> RunAsync(params string[] args)
    {
        using var process = Start(args);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await WaitAsync(process, args);
        return new ToolResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Starts <c>plus ARGS</c> with standard output and error redirected; the caller reads them and waits (<see cref="WaitAsync"/>).</summary>
    public static Process Start(params string[] args)
    {
        Assert.True(File.Exists(Dll), $"The tool was not built beside the tests: {Dll}");
        // `dotnet test` names the host it runs under; fall back to the one on PATH.
        var host = Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } path && File.Exists(path) ? path : "dotnet";
        var start = new ProcessStartInfo(host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = AppContext.BaseDirectory,
        };
        start.ArgumentList.Add(Dll);
        foreach (var arg in args) start.ArgumentList.Add(arg);
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";

        return Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
    }

    /// <summary>Waits for a started tool to exit.</summary>
    public static async Task WaitAsync(Process process, string[] args)
    {
        // A hang guard only (the tests assert on results, never on time).
        using var guard = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            await process.WaitForExitAsync(guard.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"plus {string.Join(' ', args)} did not exit.");
        }
    }
}

/// <summary>What one run of the tool gave.</summary>
internal sealed record ToolResult(int ExitCode, string Output, string Error)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Output}\n--- stderr\n{Error}";
}
