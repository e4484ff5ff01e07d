using Plus.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Plus.Terminal.Progress;

/// <summary>Drives a Spectre.Console live progress display: one bar per stage, its latest report kept in the task's tag.</summary>
internal sealed class LiveProgressReporter : IProgress<TrainingProgress>
{
    private readonly Lock _gate = new();
    private readonly ProgressContext _context;
    private readonly IAnsiConsole _console;
    private readonly Dictionary<string, ProgressTask> _tasks = new(StringComparer.Ordinal);

    public LiveProgressReporter(ProgressContext context, IAnsiConsole console)
    {
        _context = context;
        _console = console;
    }

    public static ProgressColumn[] Columns(IReadOnlyList<string>? keyMetrics) =>
    [
        new TaskDescriptionColumn { Alignment = Justify.Left },
        new ProgressBarColumn(),
        new PercentageColumn(),
        new StepsColumn(),
        new ElapsedColumn(),
        new EtaColumn(),
        new MetricsColumn(keyMetrics),
    ];

    public void Report(TrainingProgress value)
    {
        ArgumentNullException.ThrowIfNull(value);
        lock (_gate)
        {
            if (value.Message is not null)
            {
                // A notice (a resume, say): written above the bars, which the live display redraws below it.
                _console.WriteLine(ProgressText.Line(value, null));
                return;
            }

            if (!_tasks.TryGetValue(value.Stage, out var task))
            {
                foreach (var other in _tasks.Values.Where(t => !t.IsFinished)) other.StopTask();
                task = _context.AddTask(Markup.Escape(value.Stage), autoStart: true, maxValue: Math.Max(value.TotalSteps, 1));
                _tasks[value.Stage] = task;
            }

            task.Tag = value;
            task.IsIndeterminate = value.TotalSteps <= 0;
            if (value.TotalSteps > 0) task.MaxValue = value.TotalSteps;
            task.Value = value.TotalSteps > 0 ? Math.Min(value.Step, value.TotalSteps) : 0;
            if (value.TotalSteps > 0 && value.Step >= value.TotalSteps) task.StopTask();
        }
    }

    private sealed class StepsColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Tag is TrainingProgress p
                ? new Text(p.TotalSteps > 0 ? $"{p.Step}/{p.TotalSteps}" : $"{p.Step}", new Style(Color.Grey))
                : Text.Empty;
    }

    private sealed class ElapsedColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Tag is TrainingProgress p ? new Text($"elapsed {ProgressText.Duration(p.Elapsed)}", new Style(Color.Grey)) : Text.Empty;
    }

    private sealed class EtaColumn : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Tag is TrainingProgress { Eta: { } eta } && !task.IsFinished
                ? new Text($"eta {ProgressText.Duration(eta)}", new Style(Color.Blue))
                : Text.Empty;
    }

    private sealed class MetricsColumn(IReadOnlyList<string>? keyMetrics) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            task.Tag is TrainingProgress p ? new Text(ProgressText.Metrics(p, keyMetrics)) : Text.Empty;
    }
}
