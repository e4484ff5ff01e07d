using Spectre.Console;

namespace Plus.Terminal.Progress;

/// <summary>Options of <see cref="TrainingProgressDisplay"/>. Not thread-safe; set before use.</summary>
public sealed class TrainingProgressDisplayOptions
{
    /// <summary>The console for the live display; null for <see cref="AnsiConsole.Console"/>.</summary>
    public IAnsiConsole? Console { get; set; }

    /// <summary>Where plain lines go when the display is not interactive; null for <see cref="System.Console.Out"/>.</summary>
    public TextWriter? PlainOutput { get; set; }

    /// <summary>
    /// True for the live progress bar, false for plain periodic lines; null (the default) chooses the live bar only when
    /// standard output is not redirected and the console is interactive, so CI logs get plain lines.
    /// </summary>
    public bool? Interactive { get; set; }

    /// <summary>In plain mode, the least time between two lines of one stage (the first and last step of a stage are always written). Default 10 s.</summary>
    public TimeSpan PlainInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>
    /// In plain mode, write a stage's line every this many steps instead of by time (as the quickstart's log did: steps
    /// 10, 20, …, and the last); null (the default) uses <see cref="PlainInterval"/>. Notices are always written.
    /// </summary>
    public int? PlainEverySteps { get; set; }

    /// <summary>
    /// The metrics shown, in order, when a report has them; the others are left out. Null (the default) shows
    /// <see cref="DefaultKeyMetrics"/> that are present, or the report's first four metrics when none is.
    /// </summary>
    public IReadOnlyList<string>? KeyMetrics { get; set; }

    /// <summary>The clock for plain-mode intervals; null for <see cref="TimeProvider.System"/>.</summary>
    public TimeProvider? TimeProvider { get; set; }

    /// <summary>The metrics shown by default, when present: losses, accuracies, reward, KL and summary length.</summary>
    public static IReadOnlyList<string> DefaultKeyMetrics { get; } =
        ["loss", "rm_loss", "accuracy", "rm_accuracy", "reward", "reward_mean", "kl", "summary_words", "summary_tokens"];
}
