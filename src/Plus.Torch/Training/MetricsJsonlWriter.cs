using System.Text;
using System.Text.Json;

namespace Plus.Torch.Training;

/// <summary>
/// Appends one JSON object per step to a <c>metrics.jsonl</c> file:
/// <c>{"step":12,"stage":"ppo","time":"2026-01-01T00:00:00.0000000+00:00","reward_mean":-0.41,...}</c>.
/// </summary>
/// <remarks>
/// <para>Each line is written whole and flushed to the operating system at once, so a crashed process loses at most
/// the line it was writing. Opening an existing file repairs it first: a last line cut off without its newline is
/// dropped, and with <c>truncateAfterStep</c> the lines of steps after a resumed checkpoint are dropped too (they
/// will be written again), so the file never holds duplicate or broken records. The repair rewrites the file
/// atomically. Then the writer appends.</para>
/// <para>Values are JSON numbers; NaN and ±∞ are written as the strings <c>"NaN"</c>, <c>"Infinity"</c> and
/// <c>"-Infinity"</c>. Thread-safe; dispose to close the file.</para>
/// </remarks>
public sealed class MetricsJsonlWriter : IDisposable
{
    private static readonly string[] Reserved = ["step", "stage", "time"];
    private readonly Lock _gate = new();
    private readonly FileStream _stream;
    private readonly TimeProvider _time;
    private bool _disposed;

    /// <summary>Opens (creating if needed) a metrics file for appending.</summary>
    /// <param name="path">The file, for example <c>runs/x/metrics.jsonl</c>; its directory is created.</param>
    /// <param name="truncateAfterStep">When resuming from the checkpoint at this step, drop the lines of later steps first; null keeps all complete lines.</param>
    /// <param name="timeProvider">The clock for the <c>time</c> field; null for the system clock.</param>
    public MetricsJsonlWriter(string path, long? truncateAfterStep = null, TimeProvider? timeProvider = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        Path = System.IO.Path.GetFullPath(path);
        _time = timeProvider ?? TimeProvider.System;
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(Path)!);
        if (File.Exists(Path))
        {
            Repair(Path, truncateAfterStep);
        }

        _stream = new FileStream(Path, FileMode.Append, FileAccess.Write, FileShare.Read);
    }

    /// <summary>The metrics file.</summary>
    public string Path { get; }

    /// <summary>Appends the record of one step.</summary>
    /// <param name="step">The global step.</param>
    /// <param name="metrics">The metrics by name (snake_case recommended); <c>step</c>, <c>stage</c> and <c>time</c> are reserved.</param>
    /// <param name="stage">The stage, or null to leave the field out.</param>
    /// <exception cref="ArgumentException">A metric uses a reserved name.</exception>
    /// <exception cref="ObjectDisposedException">The writer is disposed.</exception>
    public void Write(long step, IReadOnlyDictionary<string, double> metrics, string? stage = null)
    {
        ArgumentNullException.ThrowIfNull(metrics);
        var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            json.WriteNumber("step", step);
            if (stage is not null) json.WriteString("stage", stage);
            json.WriteString("time", _time.GetUtcNow());
            foreach (var (name, value) in metrics)
            {
                if (Reserved.Contains(name, StringComparer.Ordinal))
                {
                    throw new ArgumentException($"Metric name '{name}' is reserved in metrics.jsonl ({string.Join(", ", Reserved)}).", nameof(metrics));
                }

                if (double.IsFinite(value)) json.WriteNumber(name, value);
                else json.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
            }

            json.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        lock (_gate)
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            _stream.Write(buffer.GetBuffer(), 0, (int)buffer.Length);
            _stream.Flush();
        }
    }

    /// <summary>Flushes to disk and closes the file.</summary>
    public void Dispose()
    {
        lock (_gate)
        {
            if (_disposed) return;
            _disposed = true;
            _stream.Flush(flushToDisk: true);
            _stream.Dispose();
        }
    }

    private static void Repair(string path, long? truncateAfterStep)
    {
        byte[] bytes = File.ReadAllBytes(path);
        int end = bytes.Length;
        while (end > 0 && bytes[end - 1] != (byte)'\n') end--;
        if (truncateAfterStep is null)
        {
            if (end != bytes.Length) AtomicFile.Write(path, s => s.Write(bytes, 0, end));
            return;
        }

        var kept = new StringBuilder();
        bool changed = end != bytes.Length;
        foreach (var line in Encoding.UTF8.GetString(bytes, 0, end).Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            if (StepOf(line) is { } s && s > truncateAfterStep.Value)
            {
                changed = true;
                continue;
            }

            kept.Append(line).Append('\n');
        }

        if (changed) AtomicFile.WriteAllText(path, kept.ToString());
    }

    private static long? StepOf(string line)
    {
        try
        {
            using var doc = JsonDocument.Parse(line);
            return doc.RootElement.TryGetProperty("step", out var s) && s.TryGetInt64(out long v) ? v : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
