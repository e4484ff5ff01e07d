using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary>Ctrl+C (SIGINT) during <c>plus train</c>: a checkpoint, the resume command, exit 130; <c>--resume</c> then finishes the run.</summary>
public class InterruptTests
{
    [Fact] // Linux and macOS: the signal is sent with kill(1).
    public async Task Sigint_checkpoints_the_last_step_prints_how_to_resume_and_resume_finishes_the_run()
    {
        var data = PlusTool.NewScratchFolder();
        var prepared = await PlusTool.RunAsync("data", "pets", "--out", data, "--train-examples", "400", "--test-examples", "0");
        Assert.True(prepared.ExitCode == 0, prepared.ToString());
        var run = Path.Combine(PlusTool.NewScratchFolder(), "run");
        string[] args = ["train", "--method", "BTL", "--data", Path.Combine(data, "train.jsonl"), "--batch-size", "2", "--out", run];

        // 200 steps; the signal goes as soon as the first step is reported.
        using var process = PlusTool.Start(args);
        var stderr = process.StandardError.ReadToEndAsync();
        var output = new List<string>();
        while (await process.StandardOutput.ReadLineAsync() is { } line)
        {
            output.Add(line);
            if (line.StartsWith("[bt-train] step 1/200", StringComparison.Ordinal)) break;
        }

        Assert.Contains(output, l => l.StartsWith("[bt-train] step 1/200", StringComparison.Ordinal));
        using (var kill = Process.Start("kill", [InterruptSignal(), process.Id.ToString(CultureInfo.InvariantCulture)])) await kill.WaitForExitAsync();
        var rest = await process.StandardOutput.ReadToEndAsync();
        await PlusTool.WaitAsync(process, args);
        var error = await stderr;

        Assert.True(process.ExitCode == 130, $"exit {process.ExitCode}\n{string.Join('\n', output)}{rest}\n{error}");
        Assert.Contains("Stopping: writing a checkpoint of the last completed step", error);
        var interrupted = System.Text.RegularExpressions.Regex.Match(error, @"Interrupted after step (\d+)/200: the last completed step is checkpointed in (.+)\.\n");
        Assert.True(interrupted.Success, error);
        var step = int.Parse(interrupted.Groups[1].Value, CultureInfo.InvariantCulture);
        Assert.InRange(step, 1, 199);
        Assert.Equal(Path.Combine(run, "checkpoints", "BTL"), interrupted.Groups[2].Value);
        Assert.True(Directory.Exists(Path.Combine(run, "checkpoints", "BTL", $"step-{step:D8}")));
        Assert.False(Directory.Exists(Path.Combine(run, "model")));
        Assert.Contains($"To continue: plus {string.Join(' ', args)} --resume", error);

        var resumed = await PlusTool.RunAsync([.. args, "--resume"]);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());
        Assert.Contains($"[bt-train] BTL: resuming from checkpoint '{Path.Combine(run, "checkpoints", "BTL", $"step-{step:D8}")}' at step {step}/200.", resumed.Output);
        Assert.Contains($"[bt-train] step {step + 1}/200", resumed.Output);
        Assert.Contains("Trained BTL: 200 steps on 400 examples", resumed.Output);
        Assert.True(File.Exists(Path.Combine(run, "model", "plus.json")));
        var steps = File.ReadAllLines(Path.Combine(run, "metrics.jsonl")).Select(l => (int)JsonNode.Parse(l)!["step"]!).ToList();
        Assert.Equal(Enumerable.Range(1, 200), steps);
    }

    /// <summary>
    /// <c>-INT</c> (Ctrl+C), or <c>-TERM</c> when this test process was started with SIGINT ignored: a background job
    /// of a non-interactive shell (<c>cmd &amp;</c>) ignores SIGINT, its children inherit that, and .NET keeps an
    /// inherited SIG_IGN for SIGINT, so the tool could not see a Ctrl+C there. <c>plus train</c> handles SIGTERM
    /// through the same path (a checkpoint, the resume command, exit 130).
    /// </summary>
    private static string InterruptSignal()
    {
        const ulong sigintBit = 1UL << (2 - 1); // SIGINT is signal 2
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("SigIgn:", StringComparison.Ordinal)) : null;
        bool ignored = line is not null && (ulong.Parse(line["SigIgn:".Length..].Trim(), NumberStyles.HexNumber, CultureInfo.InvariantCulture) & sigintBit) != 0;
        return ignored ? "-TERM" : "-INT";
    }
}
