using System.Runtime.CompilerServices;
using System.Text;

namespace Plus.Data;

/// <summary>Line-level plumbing shared by the JSONL readers and the atomic writer.</summary>
internal static class JsonlFile
{
    /// <summary>Yields the non-blank lines of <paramref name="stream"/> with their 1-based numbers.</summary>
    public static async IAsyncEnumerable<(long LineNumber, string Text)> ReadLinesAsync(
        Stream stream, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        using var reader = new StreamReader(stream, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, leaveOpen: true);
        long lineNumber = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var line = await reader.ReadLineAsync(cancellationToken).ConfigureAwait(false);
            if (line is null) yield break;
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            yield return (lineNumber, line);
        }
    }

    /// <summary>Opens <paramref name="path"/> for streaming reads, with a clear error when it does not exist.</summary>
    public static FileStream OpenRead(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.Asynchronous | FileOptions.SequentialScan);
    }

    /// <summary>
    /// Writes to a temporary file next to <paramref name="path"/> and renames it over <paramref name="path"/> only
    /// when <paramref name="write"/> completes; on failure or cancellation the temporary file is deleted and
    /// <paramref name="path"/> is left as it was.
    /// </summary>
    public static async Task WriteAtomicallyAsync(string path, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var fullPath = Path.GetFullPath(path);
        var directory = Path.GetDirectoryName(fullPath)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, "." + Path.GetFileName(fullPath) + "." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16, FileOptions.Asynchronous);
            await using (stream.ConfigureAwait(false))
            {
                await write(stream, cancellationToken).ConfigureAwait(false);
                await stream.FlushAsync(cancellationToken).ConfigureAwait(false);
            }

            File.Move(temp, fullPath, overwrite: true);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }
}
