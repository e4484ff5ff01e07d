using System.Text;

namespace Plus.Torch.Training;

/// <summary>
/// Writes files atomically: the content goes to a temporary file in the same directory, is flushed to disk, and is
/// then renamed over the target. A reader sees the old file or the new one, never a partial one.
/// </summary>
/// <remarks>
/// The rename is atomic on POSIX file systems and on NTFS. If the writer throws (or the process dies) the target is
/// untouched; a thrown exception also removes the temporary file, a killed process leaves a hidden
/// <c>.NAME.*.tmp</c> file that <see cref="RemoveStaleTemporaries"/> cleans up. Thread-safe for different targets.
/// </remarks>
public static class AtomicFile
{
    private const string TempSuffix = ".tmp";

    /// <summary>
    /// Test seam (internal): when set, the stream of every file the model and checkpoint writers create in this
    /// asynchronous flow (<see cref="Write"/>, <see cref="WriteAsync"/>, safetensors, checkpoint files, <c>plus.json</c>)
    /// passes through it, with the path of the file being written, so that a test can make a write fail midway (a full
    /// disk). An <see cref="AsyncLocal{T}"/>: a test that sets it affects only the calls it makes itself.
    /// </summary>
    internal static readonly AsyncLocal<Func<string, Stream, Stream>?> WriteInterceptor = new();

    /// <summary>The stream to write <paramref name="path"/> through: <paramref name="stream"/>, or what <see cref="WriteInterceptor"/> makes of it.</summary>
    internal static Stream Intercept(string path, Stream stream) => WriteInterceptor.Value is { } wrap ? wrap(path, stream) : stream;

    /// <summary>Writes a file atomically through a stream.</summary>
    /// <param name="path">The target file; its directory is created if missing.</param>
    /// <param name="write">Writes the content; it must not dispose the stream.</param>
    /// <exception cref="IOException">Writing or renaming failed; the target is unchanged.</exception>
    public static void Write(string path, Action<Stream> write)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var target = Intercept(full, stream);
                write(target);
                target.Flush();
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes a file atomically through an asynchronous writer.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="write">Writes the content; it must not dispose the stream.</param>
    /// <param name="cancellationToken">Cancels the write; the target is then unchanged.</param>
    /// <returns>A task that completes when the file is in place.</returns>
    public static async Task WriteAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(write);
        string full = Path.GetFullPath(path);
        string directory = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(directory);
        string temp = Path.Combine(directory, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}{TempSuffix}");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 81920, useAsync: true);
            await using (stream.ConfigureAwait(false))
            {
                var target = Intercept(full, stream);
                await write(target, cancellationToken).ConfigureAwait(false);
                await target.FlushAsync(cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            cancellationToken.ThrowIfCancellationRequested();
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    /// <summary>Writes text (UTF-8, no BOM) atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="text">The content.</param>
    public static void WriteAllText(string path, string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var bytes = new UTF8Encoding(false).GetBytes(text);
        Write(path, s => s.Write(bytes));
    }

    /// <summary>Writes bytes atomically.</summary>
    /// <param name="path">The target file.</param>
    /// <param name="bytes">The content.</param>
    public static void WriteAllBytes(string path, byte[] bytes)
    {
        ArgumentNullException.ThrowIfNull(bytes);
        Write(path, s => s.Write(bytes));
    }

    /// <summary>Deletes temporary files that a killed process left in <paramref name="directory"/>.</summary>
    /// <param name="directory">The directory to clean; nothing happens if it does not exist.</param>
    /// <returns>How many files were removed.</returns>
    public static int RemoveStaleTemporaries(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) return 0;
        int removed = 0;
        foreach (var file in Directory.EnumerateFiles(directory, "." + "*" + TempSuffix))
        {
            if (TryDelete(file)) removed++;
        }

        return removed;
    }

    private static bool TryDelete(string file)
    {
        try
        {
            File.Delete(file);
            return true;
        }
        catch (IOException)
        {
            return false;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
    }
}
