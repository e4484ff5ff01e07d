using Plus.Training;
using Spectre.Console;

namespace Plus.Terminal.Progress;

/// <summary>
/// Shows the progress of long work that reports <see cref="TrainingProgress"/> (training, evaluation, data building):
/// a live Spectre.Console progress bar per stage with steps, elapsed time, ETA and the key metrics in an interactive
/// terminal, or plain periodic lines (<see cref="PlainProgressWriter"/>) when output is redirected, so CI logs stay
/// readable. Notices (<see cref="TrainingProgress.Message"/>, such as a resume from a checkpoint) are written as lines
/// in both modes.
/// </summary>
/// <example>
/// <code>
/// var model = await TrainingProgressDisplay.RunAsync(
///     (progress, ct) => trainer.TrainAsync(train, progress, ct), cancellationToken: ct);
/// </code>
/// </example>
/// <remarks>
/// The <see cref="IProgress{T}"/> handed to the work is thread-safe and may be called from any thread. Only one live
/// display may run on a console at a time (a Spectre.Console rule).
/// </remarks>
public static class TrainingProgressDisplay
{
    /// <summary>Runs <paramref name="work"/> with a progress display and returns its result.</summary>
    /// <typeparam name="T">The work's result.</typeparam>
    /// <param name="work">The work; it reports through the <see cref="IProgress{T}"/> it is given.</param>
    /// <param name="options">Console, mode and interval; null for the defaults.</param>
    /// <param name="cancellationToken">Passed to <paramref name="work"/>.</param>
    public static async Task<T> RunAsync<T>(
        Func<IProgress<TrainingProgress>, CancellationToken, Task<T>> work,
        TrainingProgressDisplayOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        options ??= new TrainingProgressDisplayOptions();
        var console = options.Console ?? AnsiConsole.Console;
        var interactive = options.Interactive ?? (!Console.IsOutputRedirected && console.Profile.Capabilities.Interactive);
        if (!interactive)
        {
            return await work(new PlainProgressWriter(options.PlainOutput ?? Console.Out, options), cancellationToken).ConfigureAwait(false);
        }

        return await console.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(LiveProgressReporter.Columns(options.KeyMetrics))
            // The display closes when the work returns; the bars keep their last state (a stage that ended early shows where).
            .StartAsync(context => work(new LiveProgressReporter(context, console), cancellationToken))
            .ConfigureAwait(false);
    }

    /// <summary>Runs <paramref name="work"/> (without a result) with a progress display.</summary>
    /// <param name="work">The work; it reports through the <see cref="IProgress{T}"/> it is given.</param>
    /// <param name="options">Console, mode and interval; null for the defaults.</param>
    /// <param name="cancellationToken">Passed to <paramref name="work"/>.</param>
    public static Task RunAsync(
        Func<IProgress<TrainingProgress>, CancellationToken, Task> work,
        TrainingProgressDisplayOptions? options = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(work);
        return RunAsync<bool>(async (progress, ct) =>
        {
            await work(progress, ct).ConfigureAwait(false);
            return true;
        }, options, cancellationToken);
    }
}
