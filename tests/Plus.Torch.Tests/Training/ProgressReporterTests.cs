using Microsoft.Extensions.Logging;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Training;

public class ProgressReporterTests
{
    private sealed class ListLogger : ILogger
    {
        public List<string> Lines { get; } = [];

        public IDisposable? BeginScope<TState>(TState state) where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter) =>
            Lines.Add(formatter(state, exception));
    }

    private sealed class ListProgress : IProgress<TrainingProgress>
    {
        public List<TrainingProgress> Reports { get; } = [];

        public void Report(TrainingProgress value) => Reports.Add(value);
    }

    [Fact]
    public void Eta_is_the_mean_step_time_times_the_steps_left()
    {
        var clock = new FakeTimeProvider();
        var progress = new ListProgress();
        var logger = new ListLogger();
        var reporter = new ProgressReporter("ppo", 10, progress, logger, logEvery: 2, timeProvider: clock);

        clock.Advance(TimeSpan.FromSeconds(10));
        var first = reporter.Report(1, new Dictionary<string, double> { ["loss"] = 1 });
        Assert.Equal(TimeSpan.FromSeconds(90), first.Eta);
        clock.Advance(TimeSpan.FromSeconds(10));
        var second = reporter.Report(2, new Dictionary<string, double> { ["loss"] = 0.5 });
        Assert.Equal(TimeSpan.FromSeconds(80), second.Eta);
        Assert.Equal(TimeSpan.FromSeconds(20), second.Elapsed);

        Assert.Equal(2, progress.Reports.Count);
        Assert.Single(logger.Lines); // every second step
        Assert.Contains("[ppo] step 2/10 loss=0.5", logger.Lines[0]);
    }

    [Fact]
    public void A_resumed_session_estimates_from_its_own_steps_and_logs_the_last_step()
    {
        var clock = new FakeTimeProvider();
        var logger = new ListLogger();
        var reporter = new ProgressReporter("bt-train", 10, logger: logger, logEvery: 100, startStep: 5, timeProvider: clock);
        clock.Advance(TimeSpan.FromSeconds(2));
        Assert.Equal(TimeSpan.FromSeconds(8), reporter.Report(6, new Dictionary<string, double>()).Eta);
        clock.Advance(TimeSpan.FromSeconds(8));
        Assert.Equal(TimeSpan.Zero, reporter.Report(10, new Dictionary<string, double>()).Eta);
        Assert.Single(logger.Lines);
    }

    [Fact]
    public void Unknown_totals_give_no_eta()
    {
        var reporter = new ProgressReporter("eval", 0, timeProvider: new FakeTimeProvider());
        Assert.Null(reporter.Report(3, new Dictionary<string, double>()).Eta);
    }
}
