using System.Globalization;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Logging;
using Plus.Training;
using TorchSharp;

namespace Plus.Torch.Training;

/// <summary>
/// The one training loop under every method: the order of examples per epoch (seeded, <see cref="TrainingOrder"/>), progress with ETA, metrics
/// JSONL, periodic evaluation, atomic checkpoints, resume guarded by the run's fingerprint, and cancellation at any
/// point. The method's work is an <see cref="ITrainingTask"/>.
/// </summary>
/// <remarks>
/// <para>Resume: with <see cref="TrainingLoopSettings.Resume"/>, the latest checkpoint is loaded when its fingerprint
/// (data, options, base model) equals the run's; a different fingerprint is an error that says what differs, never a
/// silent reuse. Resuming is announced on the progress sink (<see cref="TrainingProgress.Message"/>) and the log.</para>
/// <para>Cancellation: before a step, during a step (the task stops before its first weight change; the global RNG is
/// put back as it was before the step) or during an evaluation, the loop writes a checkpoint of the last completed
/// step (when checkpointing and not already on disk) and throws <see cref="OperationCanceledException"/>; resuming
/// then repeats the interrupted step exactly, so the result equals an uninterrupted run's.</para>
/// </remarks>
public sealed partial class TrainingLoop
{
    private readonly TrainingLoopSettings _settings;
    private readonly ILogger? _logger;
    private readonly TimeProvider? _time;

    /// <summary>Creates the loop.</summary>
    /// <param name="settings">The settings.</param>
    /// <param name="logger">Receives progress lines and notices.</param>
    /// <param name="timeProvider">The clock for elapsed time and ETA.</param>
    public TrainingLoop(TrainingLoopSettings settings, ILogger? logger = null, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.ExampleCount, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(settings.BatchSize, 1);
        _settings = settings;
        _logger = logger;
        _time = timeProvider;
    }

    /// <summary>The settings.</summary>
    public TrainingLoopSettings Settings => _settings;

    /// <summary>The stage of the loop's own notices (resume) before the task's first report.</summary>
    public const string ResumeStage = "resume";

    /// <summary>Runs <paramref name="task"/> to the end (or resumes and finishes a run).</summary>
    /// <param name="task">The method's step, checkpoint contents and evaluation.</param>
    /// <param name="progress">Receives a report after every step, and the resume notice.</param>
    /// <param name="cancellationToken">Cancels at any point (see the class remarks).</param>
    /// <returns>What was done.</returns>
    /// <exception cref="InvalidOperationException">The checkpoint folder holds another run (other data, options or base model).</exception>
    /// <exception cref="OperationCanceledException">Cancelled; the last completed step is checkpointed.</exception>
    /// <exception cref="NonFiniteLossException">A loss became NaN/∞; the last good checkpoint is kept.</exception>
    public TrainingLoopResult Run(ITrainingTask task, IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(task);
        var s = _settings;
        int total = s.TotalSteps;
        int stepsPerEpoch = s.StepsPerEpoch;
        var store = s.CheckpointDirectory is null ? null : new CheckpointStore(s.CheckpointDirectory, s.KeepCheckpoints);
        int start = 0;
        string? lastCheckpoint = null;
        var reporter = new ProgressReporter(task.Stage, total, progress, _logger, Math.Max(1, s.LogEvery), 0, _time);
        if (store is not null && s.Resume && store.OpenLatest() is { } reader)
        {
            var stored = RunFingerprint.FromJson(reader.State.Options?["fingerprint"]);
            string? difference = stored is null ? "it has no run fingerprint (an older format)" : s.Fingerprint.Difference(stored);
            if (difference is not null)
            {
                throw new InvalidOperationException(
                    $"{s.Method}: the checkpoint '{reader.Directory}' belongs to another run ({difference}); point CheckpointDirectory at a new folder, delete that one, or set Resume = false to start over.");
            }

            task.Load(reader);
            reader.RestoreRngState();
            start = checked((int)reader.State.Step);
            lastCheckpoint = reader.Directory;
            string notice = start >= total
                ? string.Create(CultureInfo.InvariantCulture, $"{s.Method}: the run in '{reader.Directory}' already finished ({start}/{total} steps) with the same data and options; reusing its weights (delete the folder or set Resume = false to retrain).")
                : string.Create(CultureInfo.InvariantCulture, $"{s.Method}: resuming from checkpoint '{reader.Directory}' at step {start}/{total}.");
            reporter = new ProgressReporter(task.Stage, total, progress, _logger, Math.Max(1, s.LogEvery), start, _time);
            reporter.Announce(start, notice);
        }

        // A finished run that is reused reports the metrics of its last step, as the run that wrote them did.
        IReadOnlyDictionary<string, double> last = start > 0 && start >= total && s.MetricsPath is not null
            ? MetricsOfStep(s.MetricsPath, start)
            : new Dictionary<string, double>();
        using var metrics = s.MetricsPath is null ? null : new MetricsJsonlWriter(s.MetricsPath, truncateAfterStep: start);
        int lastSaved = start;
        int[]? order = null;
        int orderEpoch = -1;

        void SaveIfNew(int steps)
        {
            if (store is null || steps <= lastSaved) return;
            lastCheckpoint = Save(store, task, steps, stepsPerEpoch);
            lastSaved = steps;
        }

        for (int step = start; step < total; step++)
        {
            if (cancellationToken.IsCancellationRequested)
            {
                SaveIfNew(step);
                cancellationToken.ThrowIfCancellationRequested();
            }

            int epoch = step / stepsPerEpoch;
            if (epoch != orderEpoch)
            {
                order = Order(s, epoch);
                orderEpoch = epoch;
            }

            int first = step % stepsPerEpoch * s.EffectiveBatchSize;
            var batch = order!.Skip(first).Take(s.EffectiveBatchSize).ToArray();
            using var rngBefore = torch.random.get_rng_state();
            Dictionary<string, double> values;
            try
            {
                values = new Dictionary<string, double>(task.Step(new TrainingStepContext(step, epoch, batch, lastCheckpoint), cancellationToken), StringComparer.Ordinal);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                // The task stopped before changing any weight: put the RNG back and keep the previous step's state.
                torch.random.set_rng_state(rngBefore);
                SaveIfNew(step);
                throw;
            }

            values["epoch"] = epoch;
            int done = step + 1;
            bool isLast = done == total;
            if (s.HasEval && (isLast || (s.EvalEvery > 0 && done % s.EvalEvery == 0)))
            {
                try
                {
                    foreach (var (key, value) in task.Evaluate(cancellationToken)) values[key] = value;
                }
                catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
                {
                    SaveIfNew(done);
                    throw;
                }
            }

            // The metrics line goes out before the checkpoint: a process killed between the two then resumes from the
            // previous checkpoint, which cuts the file back to it. In the other order a kill right after publishing the
            // checkpoint lost this step's line for good (the resume starts after it; KillResumeTests found it).
            metrics?.Write(done, values, task.Stage);
            if (isLast || (s.CheckpointEvery > 0 && done % s.CheckpointEvery == 0)) SaveIfNew(done);

            // Reported after the checkpoint, so a report always describes a state that is already on disk when due.
            reporter.Report(done, values);
            last = values;
        }

        return new TrainingLoopResult(Math.Max(start, total), start, last, lastCheckpoint);
    }

    /// <summary>The order of the examples in an epoch (see <see cref="TrainingOrder"/>).</summary>
    /// <param name="settings">The settings (seed, example count, scheme).</param>
    /// <param name="epoch">The epoch.</param>
    /// <returns>A permutation of 0 … ExampleCount − 1.</returns>
    public static int[] Order(TrainingLoopSettings settings, int epoch)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (settings.Order == TrainingOrder.Shuffle)
        {
            var order = Enumerable.Range(0, settings.ExampleCount).ToArray();
            Seeding.CreateRandom(settings.Seed, epoch).Shuffle(order);
            return order;
        }

        var keys = Seeding.CreateRandom(settings.Seed, 1_000_000 + epoch);
        return [.. Enumerable.Range(0, settings.ExampleCount).OrderBy(_ => keys.Next())];
    }

    /// <summary>The numeric metrics of the last line for <paramref name="step"/> in a metrics JSONL; empty when there is none.</summary>
    private static Dictionary<string, double> MetricsOfStep(string path, long step)
    {
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        if (!File.Exists(path)) return values;
        foreach (string line in File.ReadLines(path))
        {
            if (string.IsNullOrWhiteSpace(line)) continue;
            try
            {
                using var doc = System.Text.Json.JsonDocument.Parse(line);
                var root = doc.RootElement;
                if (root.ValueKind != System.Text.Json.JsonValueKind.Object || !root.TryGetProperty("step", out var st) || !st.TryGetInt64(out long n) || n != step) continue;
                values.Clear();
                foreach (var property in root.EnumerateObject())
                {
                    if (property.Name is "step" or "stage" or "time") continue;
                    if (property.Value.ValueKind == System.Text.Json.JsonValueKind.Number) values[property.Name] = property.Value.GetDouble();
                }
            }
            catch (System.Text.Json.JsonException)
            {
                // A torn last line (the run was killed while writing it) carries no metrics.
            }
        }

        return values;
    }

    private string Save(CheckpointStore store, ITrainingTask task, int steps, int stepsPerEpoch)
    {
        var state = new TrainerState
        {
            Step = steps,
            Epoch = steps / stepsPerEpoch,
            Seed = _settings.Seed,
            Options = new JsonObject { ["method"] = _settings.Method, ["fingerprint"] = _settings.Fingerprint.ToJson() },
        };
        string path = store.Save(state, writer =>
        {
            task.Save(writer);
            writer.SaveRngState();
        }, CancellationToken.None);
        if (_logger is not null) LogCheckpoint(_logger, _settings.Method, path);
        return path;
    }

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug, Message = "{Method}: checkpoint written to {Path}")]
    private static partial void LogCheckpoint(ILogger logger, string method, string path);
}
