using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;

namespace Plus.Torch.Checkpoints;

/// <summary>
/// Writes <c>.safetensors</c> files that transformers and the <c>safetensors</c> Python package read: an 8-byte
/// little-endian header length, a JSON header with <c>dtype</c>, <c>shape</c> and <c>data_offsets</c> per tensor
/// and <c>__metadata__</c> <c>{"format":"pt"}</c>, padded with spaces to a multiple of 8 bytes, then the data.
/// </summary>
/// <remarks>
/// Files are written atomically: to a temporary file beside the target, then renamed over it, so a crash never
/// leaves a half-written checkpoint. Tensors are converted one at a time (to the CPU, contiguous, in the
/// requested dtype), so peak extra memory is one tensor. Thread-safe (no shared state).
/// </remarks>
public static class SafetensorsWriter
{
    /// <summary>Writes tensors to a file.</summary>
    /// <param name="path">The target file; replaced atomically if it exists.</param>
    /// <param name="tensors">The tensors by name (any device or dtype); names must be unique. Not disposed.</param>
    /// <param name="dtype">Convert floating-point tensors to this dtype; <see langword="null"/> keeps each tensor's dtype. Integer and bool tensors are never converted.</param>
    /// <param name="metadata">Extra <c>__metadata__</c> entries; <c>format</c> defaults to <c>pt</c>.</param>
    /// <exception cref="ArgumentException">A name repeats or a dtype cannot be stored.</exception>
    public static void Write(
        string path,
        IEnumerable<KeyValuePair<string, torch.Tensor>> tensors,
        torch.ScalarType? dtype = null,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(tensors);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Writing safetensors requires a little-endian machine.");
        }

        var entries = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (name, _) in entries)
        {
            if (name == "__metadata__" || !seen.Add(name))
            {
                throw new ArgumentException($"Tensor name '{name}' is repeated or reserved.", nameof(tensors));
            }
        }

        var header = BuildHeader(entries, dtype, metadata, out var types);
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            using (var fs = new FileStream(tmp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 20))
            {
                var stream = Plus.Torch.Training.AtomicFile.Intercept(full, fs);
                Span<byte> len = stackalloc byte[8];
                BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Length);
                stream.Write(len);
                stream.Write(header);
                for (int i = 0; i < entries.Count; i++)
                {
                    WriteData(stream, entries[i].Value, types[i]);
                }

                stream.Flush();
                fs.Flush(flushToDisk: true);
            }

            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
    }

    /// <summary>The number of data bytes a tensor takes when written with <paramref name="dtype"/>.</summary>
    /// <param name="tensor">The tensor.</param>
    /// <param name="dtype">The target dtype, as in <see cref="Write"/>.</param>
    /// <returns>The byte count.</returns>
    public static long StoredBytes(torch.Tensor tensor, torch.ScalarType? dtype = null)
    {
        ArgumentNullException.ThrowIfNull(tensor);
        return tensor.numel() * SafetensorsDType.ElementSize(TargetType(tensor, dtype));
    }

    private static torch.ScalarType TargetType(torch.Tensor t, torch.ScalarType? dtype) =>
        dtype is { } d && torch.is_floating_point(t) ? d : t.dtype;

    private static byte[] BuildHeader(List<KeyValuePair<string, torch.Tensor>> entries, torch.ScalarType? dtype, IReadOnlyDictionary<string, string>? metadata, out torch.ScalarType[] types)
    {
        types = new torch.ScalarType[entries.Count];
        using var ms = new MemoryStream();
        using (var w = new Utf8JsonWriter(ms))
        {
            w.WriteStartObject();
            w.WriteStartObject("__metadata__");
            if (metadata is null || !metadata.ContainsKey("format")) w.WriteString("format", "pt");
            if (metadata is not null)
            {
                foreach (var (k, v) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal)) w.WriteString(k, v);
            }

            w.WriteEndObject();
            long offset = 0;
            for (int i = 0; i < entries.Count; i++)
            {
                var (name, t) = entries[i];
                ArgumentNullException.ThrowIfNull(t, name);
                types[i] = TargetType(t, dtype);
                long bytes = t.numel() * SafetensorsDType.ElementSize(types[i]);
                w.WriteStartObject(name);
                w.WriteString("dtype", SafetensorsDType.ToName(types[i]));
                w.WriteStartArray("shape");
                foreach (long d in t.shape) w.WriteNumberValue(d);
                w.WriteEndArray();
                w.WriteStartArray("data_offsets");
                w.WriteNumberValue(offset);
                w.WriteNumberValue(offset + bytes);
                w.WriteEndArray();
                w.WriteEndObject();
                offset += bytes;
            }

            w.WriteEndObject();
        }

        int raw = (int)ms.Length;
        int padded = (raw + 8 + 7) / 8 * 8 - 8;
        var header = new byte[padded];
        ms.GetBuffer().AsSpan(0, raw).CopyTo(header);
        header.AsSpan(raw).Fill((byte)' ');
        return header;
    }

    private static void WriteData(Stream fs, torch.Tensor t, torch.ScalarType type)
    {
        if (t.numel() == 0) return;
        using var scope = torch.NewDisposeScope();
        using var noGrad = torch.no_grad();
        var cpu = t.detach().to(type, torch.CPU).contiguous();
        long bytes = cpu.numel() * SafetensorsDType.ElementSize(type);
        if (bytes > int.MaxValue)
        {
            throw new ArgumentException($"A tensor of {bytes} bytes exceeds the 2 GiB per-tensor limit of this writer.", nameof(t));
        }

        fs.Write(cpu.bytes);
    }
}
