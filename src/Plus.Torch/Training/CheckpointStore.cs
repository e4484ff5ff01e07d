using System.Globalization;
using System.Text.Json;

namespace Plus.Torch.Training;

/// <summary>
/// A directory of training checkpoints written atomically, with a <c>latest</c> pointer and keep-last-N pruning.
/// </summary>
/// <remarks>
/// <para>Layout of <see cref="RootDirectory"/>:</para>
/// <code>
/// latest                      text file naming the newest checkpoint directory, for example "step-00000120"
/// step-00000100/              one complete checkpoint per directory
///   trainer_state.json        written last; its presence marks the checkpoint complete
///   NAME.module.bin           modules (CheckpointWriter.SaveModule)
///   NAME.optimizer.bin        optimizers (CheckpointWriter.SaveOptimizer)
///   rng_state.bin             torch CPU generator (CheckpointWriter.SaveRngState)
///   ...                       anything else the trainer writes (adapters in PEFT format, JSON)
/// step-00000120/
/// </code>
/// <para>A checkpoint is written into a hidden staging directory <c>.staging-step-N-GUID</c>, then renamed to
/// <c>step-N</c> in one step, and only then does <c>latest</c> move (itself replaced atomically). Earlier checkpoints
/// are untouched until the new one is complete, so a crash at any point leaves the previous checkpoint loadable and
/// nothing partial under a final name. Leftover staging directories are removed when a store is opened.
/// Pruning renames a directory to a hidden name before deleting it, so a half-deleted checkpoint is never listed.</para>
/// <para>One writer per root: the store is not safe for concurrent use by several processes or threads.</para>
/// </remarks>
public sealed class CheckpointStore
{
    private const string StepPrefix = "step-";
    private const string StagingPrefix = ".staging-";
    private const string ReplacedPrefix = ".replaced-";
    private const string DeletingPrefix = ".deleting-";

    /// <summary>Opens (and creates) a checkpoint store, removing what a crashed writer left behind.</summary>
    /// <param name="rootDirectory">The directory that holds the checkpoints.</param>
    /// <param name="keepLast">How many complete checkpoints to keep (≥ 1; default 3). The latest is never pruned.</param>
    public CheckpointStore(string rootDirectory, int keepLast = 3)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(rootDirectory);
        ArgumentOutOfRangeException.ThrowIfLessThan(keepLast, 1);
        RootDirectory = Path.GetFullPath(rootDirectory);
        KeepLast = keepLast;
        Directory.CreateDirectory(RootDirectory);
        RemoveLeftovers();
    }

    /// <summary>The directory that holds the checkpoints.</summary>
    public string RootDirectory { get; }

    /// <summary>How many complete checkpoints are kept.</summary>
    public int KeepLast { get; }

    /// <summary>The directory name of the checkpoint at <paramref name="step"/>: <c>step-</c> and eight or more digits.</summary>
    /// <param name="step">The global step, ≥ 0.</param>
    /// <returns>For example <c>step-00000120</c>.</returns>
    public static string DirectoryName(long step)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        return StepPrefix + step.ToString("D8", CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// The newest complete checkpoint: the one <c>latest</c> names, or, when the pointer is missing or names a
    /// directory that is gone or incomplete, the complete checkpoint with the highest step. Null when there is none.
    /// </summary>
    public string? LatestPath
    {
        get
        {
            string pointer = Path.Combine(RootDirectory, CheckpointFiles.LatestPointer);
            if (File.Exists(pointer))
            {
                string name = File.ReadAllText(pointer).Trim();
                if (TryParseStep(name, out _))
                {
                    string path = Path.Combine(RootDirectory, name);
                    if (IsComplete(path)) return path;
                }
            }

            var all = List();
            return all.Count > 0 ? all[^1] : null;
        }
    }

    /// <summary>The complete checkpoints, oldest (lowest step) first.</summary>
    /// <returns>Full paths.</returns>
    public IReadOnlyList<string> List() =>
        Directory.EnumerateDirectories(RootDirectory, StepPrefix + "*")
            .Select(d => (Path: d, Ok: TryParseStep(Path.GetFileName(d), out long s), Step: s))
            .Where(x => x.Ok && IsComplete(x.Path))
            .OrderBy(x => x.Step)
            .Select(x => x.Path)
            .ToList();

    /// <summary>Writes a checkpoint atomically and makes it the latest.</summary>
    /// <param name="state">The trainer state; its <see cref="TrainerState.Step"/> names the directory.
    /// <see cref="TrainerState.SavedAt"/> is set to now.</param>
    /// <param name="write">Writes the checkpoint's files (modules, optimizers, RNG state); may be null.</param>
    /// <param name="cancellationToken">Cancels before the checkpoint is published; nothing is then left behind.
    /// (To checkpoint on cancellation of training, pass <see cref="CancellationToken.None"/> here.)</param>
    /// <returns>The full path of the new checkpoint directory.</returns>
    /// <remarks>If <paramref name="write"/> throws, the staging directory is deleted, the exception propagates, and
    /// the previous checkpoint stays the latest. Saving a step that already exists replaces it.</remarks>
    /// <exception cref="IOException">Writing a file failed (a full disk); the message names the checkpoint and the
    /// inner exception is the original error. Nothing was published.</exception>
    public string Save(TrainerState state, Action<CheckpointWriter>? write = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(state);
        cancellationToken.ThrowIfCancellationRequested();
        string name = DirectoryName(state.Step);
        string final = Path.Combine(RootDirectory, name);
        string staging = Path.Combine(RootDirectory, $"{StagingPrefix}{name}-{Guid.NewGuid():N}");
        Directory.CreateDirectory(staging);
        string? replaced = null;
        try
        {
            write?.Invoke(new CheckpointWriter(staging));
            cancellationToken.ThrowIfCancellationRequested();
            string statePath = Path.Combine(staging, CheckpointFiles.TrainerState);
            using (var stream = File.Create(statePath))
            {
                var target = AtomicFile.Intercept(statePath, stream);
                JsonSerializer.Serialize(target, state with { SavedAt = DateTimeOffset.UtcNow }, TrainingJson.Options);
                target.Flush();
                stream.Flush(flushToDisk: true);
            }

            if (Directory.Exists(final))
            {
                replaced = Path.Combine(RootDirectory, $"{ReplacedPrefix}{name}-{Guid.NewGuid():N}");
                Directory.Move(final, replaced);
            }

            Directory.Move(staging, final);
        }
        catch (Exception e)
        {
            TryDeleteDirectory(staging);
            if (replaced is not null && !Directory.Exists(final))
            {
                Directory.Move(replaced, final);
                replaced = null;
            }

            // A failing disk (ENOSPC names only the file being written, inside the staging folder) is reported with
            // the checkpoint it was for; other exceptions (cancellation, the caller's own) propagate unchanged.
            if (e is IOException) throw new IOException($"Writing checkpoint '{final}' failed: {e.Message} Nothing was published; the previous checkpoint stays the latest.", e);
            throw;
        }

        if (replaced is not null) TryDeleteDirectory(replaced);
        string pointer = Path.Combine(RootDirectory, CheckpointFiles.LatestPointer);
        try
        {
            AtomicFile.WriteAllText(pointer, name + "\n");
        }
        catch (IOException e)
        {
            // The checkpoint is complete; the pointer (written atomically) still names the previous one, which
            // LatestPath then returns: a resume repeats the steps since, and replaces this checkpoint.
            throw new IOException($"Checkpoint '{final}' was written, but updating '{pointer}' failed: {e.Message} It still names the previous checkpoint.", e);
        }

        Prune(final);
        return final;
    }

    /// <summary>Opens the newest complete checkpoint (<see cref="LatestPath"/>).</summary>
    /// <returns>A reader, or null when the store holds no complete checkpoint (start from scratch).</returns>
    public CheckpointReader? OpenLatest() => LatestPath is { } path ? new CheckpointReader(path) : null;

    private void Prune(string keep)
    {
        var all = List();
        foreach (var path in all.Take(Math.Max(0, all.Count - KeepLast)))
        {
            if (string.Equals(path, keep, StringComparison.Ordinal)) continue;
            string doomed = Path.Combine(RootDirectory, $"{DeletingPrefix}{Path.GetFileName(path)}-{Guid.NewGuid():N}");
            try
            {
                Directory.Move(path, doomed);
            }
            catch (IOException)
            {
                continue;
            }

            TryDeleteDirectory(doomed);
        }
    }

    private void RemoveLeftovers()
    {
        foreach (var dir in Directory.EnumerateDirectories(RootDirectory, ".*"))
        {
            string n = Path.GetFileName(dir);
            if (n.StartsWith(StagingPrefix, StringComparison.Ordinal) || n.StartsWith(DeletingPrefix, StringComparison.Ordinal))
            {
                TryDeleteDirectory(dir);
            }
            else if (n.StartsWith(ReplacedPrefix, StringComparison.Ordinal) && n.Length > ReplacedPrefix.Length + 33)
            {
                // A crash between moving the old checkpoint aside and moving the new one in: restore the old one.
                string original = Path.Combine(RootDirectory, n[ReplacedPrefix.Length..^33]);
                if (!Directory.Exists(original)) Directory.Move(dir, original);
                else TryDeleteDirectory(dir);
            }
        }

        AtomicFile.RemoveStaleTemporaries(RootDirectory);
    }

    private static bool IsComplete(string directory) => File.Exists(Path.Combine(directory, CheckpointFiles.TrainerState));

    private static bool TryParseStep(string name, out long step)
    {
        step = -1;
        return name.StartsWith(StepPrefix, StringComparison.Ordinal)
            && name.Length > StepPrefix.Length
            && name.AsSpan(StepPrefix.Length).IndexOfAnyExceptInRange('0', '9') < 0
            && long.TryParse(name.AsSpan(StepPrefix.Length), NumberStyles.None, CultureInfo.InvariantCulture, out step);
    }

    private static void TryDeleteDirectory(string directory)
    {
        try
        {
            if (Directory.Exists(directory)) Directory.Delete(directory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
