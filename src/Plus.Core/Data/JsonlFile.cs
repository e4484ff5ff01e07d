using System.Runtime.CompilerServices;
using System.Text;

namespace Plus.Data;

/// <summary>Line-level plumbing shared by the JSONL readers and the atomic writer.</summary>
internal static class JsonlFile
{
    /// <summary>The longest line read (64 MiB); a longer one is reported instead of being buffered without bound.</summary>
    public const int MaxLineBytes = 64 * 1024 * 1024;

    /// <summary>
    /// Yields the non-blank lines of <paramref name="stream"/> with their 1-based numbers. Lines end at <c>\n</c>
    /// (a <c>\r</c> before it is dropped); a UTF-8 BOM at the start is skipped. Each line must be valid UTF-8 and at
    /// most <see cref="MaxLineBytes"/> bytes; otherwise a <see cref="PreferenceDataException"/> names the source and line.
    /// </summary>
    public static IAsyncEnumerable<(long LineNumber, string Text)> ReadLinesAsync(Stream stream, CancellationToken cancellationToken = default) =>
        ReadLinesAsync(stream, "<stream>", cancellationToken);

    /// <summary>As the other overload, with <paramref name="sourceName"/> naming the stream in errors.</summary>
    public static async IAsyncEnumerable<(long LineNumber, string Text)> ReadLinesAsync(
        Stream stream, string sourceName, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var chunk = new byte[1 << 16];
        using var pending = new MemoryStream();
        long lineNumber = 0;
        bool first = true;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            int read = await stream.ReadAsync(chunk, cancellationToken).ConfigureAwait(false);
            if (read == 0) break;
            int start = 0;
            while (start < read)
            {
                int newline = Array.IndexOf(chunk, (byte)'\n', start, read - start);
                int end = newline < 0 ? read : newline;
                if (pending.Length + (end - start) > MaxLineBytes)
                {
                    throw new PreferenceDataException(sourceName, lineNumber + 1, null, $"is longer than {MaxLineBytes} bytes");
                }

                pending.Write(chunk, start, end - start);
                if (newline < 0) break;
                cancellationToken.ThrowIfCancellationRequested();
                lineNumber++;
                var text = Decode(pending, ref first, sourceName, lineNumber);
                pending.SetLength(0);
                if (text is not null) yield return (lineNumber, text);
                start = newline + 1;
            }
        }

        if (pending.Length > 0)
        {
            lineNumber++;
            var text = Decode(pending, ref first, sourceName, lineNumber);
            if (text is not null) yield return (lineNumber, text);
        }
    }

    /// <summary>The line's text, or null when it is blank.</summary>
    private static string? Decode(MemoryStream pending, ref bool first, string sourceName, long lineNumber)
    {
        var bytes = pending.GetBuffer().AsSpan(0, (int)pending.Length);
        if (first)
        {
            first = false;
            if (bytes.StartsWith("\uFEFF"u8)) bytes = bytes[3..];
        }

        if (bytes.Length > 0 && bytes[^1] == (byte)'\r') bytes = bytes[..^1];
        if (!System.Text.Unicode.Utf8.IsValid(bytes))
        {
            throw new PreferenceDataException(sourceName, lineNumber, null, $"is not valid UTF-8 (byte {InvalidUtf8Offset(bytes) + 1} of the line)");
        }

        var text = Encoding.UTF8.GetString(bytes);
        return string.IsNullOrWhiteSpace(text) ? null : text;
    }

    private static int InvalidUtf8Offset(ReadOnlySpan<byte> bytes)
    {
        Span<char> sink = stackalloc char[256];
        int offset = 0;
        while (offset < bytes.Length)
        {
            var status = System.Text.Unicode.Utf8.ToUtf16(bytes[offset..], sink, out int consumed, out _, replaceInvalidSequences: false);
            offset += consumed;
            if (status is System.Buffers.OperationStatus.InvalidData or System.Buffers.OperationStatus.NeedMoreData or System.Buffers.OperationStatus.Done) break;
        }

        return offset;
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
