using Microsoft.Extensions.Logging;
using Plus.Training;

namespace Plus.Torch.Training;

/// <summary>
/// Turns step counts and metrics into <see cref="TrainingProgress"/> reports with elapsed time and ETA, sends them to
/// an <see cref="IProgress{T}"/> and logs them through an <see cref="ILogger"/>.
/// </summary>
/// <remarks>
/// The ETA is the mean time per step taken in this session (since construction) times the steps left; a resumed run
/// passes its starting step so the steps done before the restart do not distort it. Not thread-safe.
/// </remarks>
public sealed partial class ProgressReporter
{
    private readonly IProgress<TrainingProgress>? _progress;
    private readonly ILogger? _logger;
    private readonly TimeProvider _time;
    private readonly long _started;

    /// <summary>Creates a reporter; the clock starts now.</summary>
    /// <param name="stage">The stage name, for example <c>ppo</c>.</param>
    /// <param name="totalSteps">The steps planned, or 0 when unknown (then there is no ETA).</param>
    /// <param name="progress">Receives every report; may be null.</param>
    /// <param name="logger">Logs every <paramref name="logEvery"/>-th report and the last one at Information; may be null.</param>
    /// <param name="logEvery">How often to log, ≥ 1.</param>
    /// <param name="startStep">The step the session starts from (the resumed checkpoint's step, else 0).</param>
    /// <param name="timeProvider">The clock; null for the system clock.</param>
    public ProgressReporter(
        string stage, int totalSteps, IProgress<TrainingProgress>? progress = null, ILogger? logger = null,
        int logEvery = 1, int startStep = 0, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(stage);
        ArgumentOutOfRangeException.ThrowIfNegative(totalSteps);
        ArgumentOutOfRangeException.ThrowIfLessThan(logEvery, 1);
        ArgumentOutOfRangeException.ThrowIfNegative(startStep);
        Stage = stage;
        TotalSteps = totalSteps;
        StartStep = startStep;
        LogEvery = logEvery;
        _progress = progress;
        _logger = logger;
        _time = timeProvider ?? TimeProvider.System;
        _started = _time.GetTimestamp();
    }

    /// <summary>The stage name.</summary>
    public string Stage { get; }

    /// <summary>The steps planned, or 0 when unknown.</summary>
    public int TotalSteps { get; }

    /// <summary>The step the session started from.</summary>
    public int StartStep { get; }

    /// <summary>How often reports are logged.</summary>
    public int LogEvery { get; }

    /// <summary>Time since construction.</summary>
    public TimeSpan Elapsed => _time.GetElapsedTime(_started);

    /// <summary>Builds, publishes and (every <see cref="LogEvery"/> steps) logs the report for a finished step.</summary>
    /// <param name="step">Steps done so far, counting those before <see cref="StartStep"/>.</param>
    /// <param name="metrics">The step's metrics.</param>
    /// <returns>The report.</returns>
    public TrainingProgress Report(int step, IReadOnlyDictionary<string, double> metrics)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        var elapsed = Elapsed;
        TimeSpan? eta = null;
        int done = step - StartStep;
        if (TotalSteps > 0 && done > 0)
        {
            int left = Math.Max(0, TotalSteps - step);
            eta = TimeSpan.FromTicks(elapsed.Ticks / done * left);
        }

        var report = new TrainingProgress(Stage, step, TotalSteps, metrics, elapsed, eta);
        _progress?.Report(report);
        if (_logger is not null && (step % LogEvery == 0 || (TotalSteps > 0 && step >= TotalSteps)))
        {
            LogProgress(_logger, report);
        }

        return report;
    }

    /// <summary>Reports a notice (for example that training resumed) to the progress sink and the log.</summary>
    /// <param name="step">Steps done so far.</param>
    /// <param name="message">The notice, one line.</param>
    /// <returns>The report sent.</returns>
    public TrainingProgress Announce(int step, string message)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(message);
        var report = new TrainingProgress(Stage, step, TotalSteps, new Dictionary<string, double>(), Elapsed, null) { Message = message };
        _progress?.Report(report);
        if (_logger is not null) LogProgress(_logger, report);
        return report;
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information, Message = "{Progress}")]
    private static partial void LogProgress(ILogger logger, TrainingProgress progress);
}
