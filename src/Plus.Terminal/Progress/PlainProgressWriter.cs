using Plus.Training;

namespace Plus.Terminal.Progress;

/// <summary>
/// Writes <see cref="TrainingProgress"/> reports as plain lines for logs (CI, redirected output), for example
/// <c>[ppo] step 40/200 (20%) reward_mean=0.41 kl=0.02 elapsed 1m05s eta 4m20s</c>: the first report of each stage,
/// its last step, and otherwise at most one line per stage every <see cref="TrainingProgressDisplayOptions.PlainInterval"/>
/// (or, with <see cref="TrainingProgressDisplayOptions.PlainEverySteps"/>, every that many steps and the last).
/// A notice (<see cref="TrainingProgress.Message"/>, such as a resume) is always written, as <c>[stage] message</c>.
/// </summary>
/// <remarks>Thread-safe: reports from several threads are written whole, one line each. The writer is not disposed.</remarks>
public sealed class PlainProgressWriter : IProgress<TrainingProgress>
{
    private readonly Lock _gate = new();
    private readonly TextWriter _output;
    private readonly TimeSpan _interval;
    private readonly int? _everySteps;
    private readonly TimeProvider _time;
    private readonly IReadOnlyList<string>? _keyMetrics;
    private readonly Dictionary<string, long> _lastWritten = new(StringComparer.Ordinal);

    /// <summary>Creates a writer.</summary>
    /// <param name="output">Where lines go.</param>
    /// <param name="options">The interval, key metrics and clock; null for the defaults.</param>
    public PlainProgressWriter(TextWriter output, TrainingProgressDisplayOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(output);
        options ??= new TrainingProgressDisplayOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.PlainInterval, TimeSpan.Zero, nameof(options));
        if (options.PlainEverySteps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.PlainEverySteps, $"{nameof(TrainingProgressDisplayOptions.PlainEverySteps)} must be at least 1 (or null for the time interval).");
        }

        _everySteps = options.PlainEverySteps;
        _output = output;
        _interval = options.PlainInterval;
        _time = options.TimeProvider ?? TimeProvider.System;
        _keyMetrics = options.KeyMetrics;
    }

    /// <summary>Writes the report's line when it is due.</summary>
    /// <param name="value">The report.</param>
    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (value.Message is not null)
            {
                _output.WriteLine(ProgressText.Line(value, _keyMetrics));
                _output.Flush();
                return;
            }

            var last = value.TotalSteps > 0 && value.Step >= value.TotalSteps;
            if (_everySteps is { } every)
            {
                if (!last && value.Step % every != 0) return;
                _output.WriteLine(ProgressText.Line(value, _keyMetrics));
                _output.Flush();
                return;
            }

            var now = _time.GetTimestamp();
            if (_lastWritten.TryGetValue(value.Stage, out var previous) && !last && _time.GetElapsedTime(previous, now) < _interval) return;
            _lastWritten[value.Stage] = now;
            _output.WriteLine(ProgressText.Line(value, _keyMetrics));
            _output.Flush();
        }
    }
}
