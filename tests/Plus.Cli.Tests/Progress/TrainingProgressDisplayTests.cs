using System.Text.RegularExpressions;
using Plus.Terminal.Progress;
using Plus.Training;
using Spectre.Console.Testing;

namespace Plus.Cli.Tests.Progress;

public class TrainingProgressDisplayTests
{
    private static TrainingProgress Report(string stage, int step, int total, double loss, TimeSpan? eta = null) =>
        new(stage, step, total, new Dictionary<string, double> { ["loss"] = loss, ["lr"] = 0.001, ["accuracy"] = 0.75 }, TimeSpan.FromSeconds(step), eta);

    [Fact]
    public void Plain_lines_come_at_most_once_per_interval_per_stage_plus_each_stages_first_and_last_step()
    {
        var clock = new ManualTimeProvider();
        var output = new StringWriter();
        var writer = new PlainProgressWriter(output, new TrainingProgressDisplayOptions { PlainInterval = TimeSpan.FromSeconds(10), TimeProvider = clock });

        for (var step = 1; step <= 10; step++)
        {
            writer.Report(Report("bt-train", step, 10, 1.0 / step, TimeSpan.FromSeconds(10 - step)));
            clock.Advance(TimeSpan.FromSeconds(3));
        }

        writer.Report(Report("ppo", 1, 0, 0.5));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        // Step 1 (first), then every 10 s at 3 s a step: steps 5 and 9, then step 10 (last); then ppo's first report.
        Assert.Equal(new[] { "1/10", "5/10", "9/10", "10/10", "1" }, lines.Select(l => Regex.Match(l, @"step (\S+)").Groups[1].Value));
        Assert.Equal("[bt-train] step 1/10 (10%) loss=1 accuracy=0.75 elapsed 1s eta 9s", lines[0]);
        Assert.Equal("[ppo] step 1 loss=0.5 accuracy=0.75 elapsed 1s", lines[^1]);
    }

    [Fact]
    public void Plain_lines_every_n_steps_come_at_multiples_of_n_and_the_last_step_with_every_notice_whatever_the_clock()
    {
        var clock = new ManualTimeProvider();
        var output = new StringWriter();
        var writer = new PlainProgressWriter(output, new TrainingProgressDisplayOptions { PlainEverySteps = 10, TimeProvider = clock });

        writer.Report(Report("bt-train", 3, 25, 0.9) with { Message = "resuming from step 3" });
        for (var step = 4; step <= 25; step++)
        {
            writer.Report(Report("bt-train", step, 25, 1.0 / step));
            clock.Advance(TimeSpan.FromMinutes(1)); // time plays no part in this mode
        }

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal("[bt-train] resuming from step 3", lines[0]);
        Assert.Equal(new[] { "10/25", "20/25", "25/25" }, lines.Skip(1).Select(l => Regex.Match(l, @"step (\S+)").Groups[1].Value));
        Assert.Throws<ArgumentOutOfRangeException>(() => new PlainProgressWriter(output, new TrainingProgressDisplayOptions { PlainEverySteps = 0 }));
    }

    [Fact]
    public void Chosen_key_metrics_are_shown_in_order_and_others_left_out()
    {
        var output = new StringWriter();
        var writer = new PlainProgressWriter(output, new TrainingProgressDisplayOptions { KeyMetrics = ["lr", "loss", "missing"] });
        writer.Report(Report("x", 2, 4, 0.25));
        Assert.Equal("[x] step 2/4 (50%) lr=0.001 loss=0.25 elapsed 2s", output.ToString().Trim());
    }

    [Fact]
    public async Task Redirected_output_gets_plain_lines_and_the_work_result_is_returned()
    {
        var output = new StringWriter();
        var result = await TrainingProgressDisplay.RunAsync(
            (progress, _) =>
            {
                progress.Report(Report("eval", 1, 2, 0.3));
                progress.Report(Report("eval", 2, 2, 0.2));
                return Task.FromResult(42);
            },
            new TrainingProgressDisplayOptions { Interactive = false, PlainOutput = output });

        Assert.Equal(42, result);
        Assert.Equal(2, output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    [Fact]
    public async Task An_interactive_console_gets_a_live_bar_per_stage_with_steps_eta_and_metrics()
    {
        var console = new TestConsole().Interactive().Width(160);
        await TrainingProgressDisplay.RunAsync(
            async (progress, _) =>
            {
                progress.Report(Report("bt-train", 4, 4, 0.125));
                progress.Report(Report("ppo", 3, 8, 0.5, TimeSpan.FromSeconds(95)));
                await Task.Yield();
            },
            new TrainingProgressDisplayOptions { Interactive = true, Console = console });

        var screen = console.Output;
        Assert.Contains("bt-train", screen);
        Assert.Contains("4/4", screen);
        Assert.Contains("ppo", screen);
        Assert.Contains("3/8", screen);
        Assert.Contains("eta 1m35s", screen);
        Assert.Contains("loss=0.5 accuracy=0.75", screen);
        Assert.Contains("37%", screen); // Spectre rounds down
        Assert.Contains("100%", screen);
        Assert.Contains("elapsed 3s", screen); // the report's own elapsed time
    }

    [Fact]
    public void A_notice_is_always_written_in_plain_mode_and_does_not_count_as_the_stages_first_report()
    {
        var clock = new ManualTimeProvider();
        var output = new StringWriter();
        var writer = new PlainProgressWriter(output, new TrainingProgressDisplayOptions { PlainInterval = TimeSpan.FromSeconds(10), TimeProvider = clock });
        writer.Report(new TrainingProgress("bt-train", 66, 200, new Dictionary<string, double>(), TimeSpan.Zero, null) { Message = "BTL: resuming from checkpoint 'c' at step 66/200." });
        writer.Report(Report("bt-train", 67, 200, 0.5));

        var lines = output.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        Assert.Equal(["[bt-train] BTL: resuming from checkpoint 'c' at step 66/200.", "[bt-train] step 67/200 (34%) loss=0.5 accuracy=0.75 elapsed 1m07s"], lines);
    }

    [Fact]
    public async Task An_interactive_console_shows_a_notice_as_a_line_without_a_bar_of_its_own()
    {
        var console = new TestConsole().Interactive().Width(160);
        await TrainingProgressDisplay.RunAsync(
            async (progress, _) =>
            {
                progress.Report(new TrainingProgress("ppo", 3, 8, new Dictionary<string, double>(), TimeSpan.Zero, null) { Message = "PLUS: resuming from checkpoint 'c' at step 3/8." });
                progress.Report(Report("ppo", 4, 8, 0.5));
                await Task.Yield();
            },
            new TrainingProgressDisplayOptions { Interactive = true, Console = console });

        var screen = console.Output;
        Assert.Contains("[ppo] PLUS: resuming from checkpoint 'c' at step 3/8.", screen);
        Assert.Contains("4/8", screen);
        Assert.DoesNotContain("3/8", screen.Replace("step 3/8", string.Empty, StringComparison.Ordinal));
    }
}
