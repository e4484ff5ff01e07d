using Plus.Torch.Training;

namespace Plus.Torch.Tests.Persistence;

/// <summary>
/// A simulated full disk through the writers' internal seam (<see cref="AtomicFile.WriteInterceptor"/>): the tests run
/// as root, so read-only folders cannot make a write fail. Counts the files the writers open in the calling flow
/// and, for the file that matches, lets <c>bytesBeforeFailure</c> bytes through and then throws
/// <see cref="IOException"/> "No space left on device", as a full disk does. Dispose to remove it.
/// </summary>
internal sealed class FullDisk : IDisposable
{
    public const string Message = "No space left on device";

    private readonly Func<int, string, bool> _fails;
    private readonly long _bytesBeforeFailure;
    private readonly List<string> _opened = [];

    private FullDisk(Func<int, string, bool> fails, long bytesBeforeFailure)
    {
        _fails = fails;
        _bytesBeforeFailure = bytesBeforeFailure;
        AtomicFile.WriteInterceptor.Value = Wrap;
    }

    /// <summary>The paths of the files opened for writing, in order.</summary>
    public IReadOnlyList<string> Opened
    {
        get
        {
            lock (_opened) return [.. _opened];
        }
    }

    /// <summary>The path whose write failed, or null when none has.</summary>
    public string? Failed { get; private set; }

    /// <summary>Counts the files written, failing none.</summary>
    public static FullDisk Never() => new((_, _) => false, 0);

    /// <summary>Fails the <paramref name="fileIndex"/>-th file opened (0-based) after <paramref name="bytesBeforeFailure"/> bytes.</summary>
    public static FullDisk AtFile(int fileIndex, long bytesBeforeFailure) => new((i, _) => i == fileIndex, bytesBeforeFailure);

    /// <summary>Fails the first file whose path satisfies <paramref name="match"/> after <paramref name="bytesBeforeFailure"/> bytes.</summary>
    public static FullDisk AtPath(Func<string, bool> match, long bytesBeforeFailure) => new((_, p) => match(p), bytesBeforeFailure);

    public void Dispose() => AtomicFile.WriteInterceptor.Value = null;

    private Stream Wrap(string path, Stream inner)
    {
        int index;
        lock (_opened)
        {
            index = _opened.Count;
            _opened.Add(path);
        }

        if (Failed is not null || !_fails(index, path)) return inner;
        Failed = path;
        return new FillingStream(inner, _bytesBeforeFailure);
    }

    /// <summary>Writes through until the budget is spent (the part that fits is written), then throws like ENOSPC.</summary>
    private sealed class FillingStream(Stream inner, long budget) : Stream
    {
        private long _left = budget;

        public override bool CanRead => false;

        public override bool CanSeek => false;

        public override bool CanWrite => true;

        public override long Length => inner.Length;

        public override long Position
        {
            get => inner.Position;
            set => throw new NotSupportedException();
        }

        public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

        public override void Write(ReadOnlySpan<byte> buffer)
        {
            int fits = (int)Math.Min(_left, buffer.Length);
            inner.Write(buffer[..fits]);
            _left -= fits;
            if (fits < buffer.Length) throw new IOException(Message);
        }

        public override void WriteByte(byte value) => Write([value]);

        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
        {
            Write(buffer, offset, count);
            return Task.CompletedTask;
        }

        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
        {
            Write(buffer.Span);
            return ValueTask.CompletedTask;
        }

        public override void Flush() => inner.Flush();

        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        protected override void Dispose(bool disposing)
        {
            if (disposing) inner.Dispose();
            base.Dispose(disposing);
        }
    }
}
