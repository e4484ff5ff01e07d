using System.Buffers.Binary;
using System.Text.Json;
using Microsoft.Win32.SafeHandles;
using TorchSharp;

namespace Plus.Torch.Checkpoints;

/// <summary>
/// Reads one <c>.safetensors</c> file: an 8-byte little-endian header length, a JSON header (dtype, shape and
/// <c>data_offsets</c> per tensor, optional <c>__metadata__</c>), then the raw little-endian tensor data.
/// </summary>
/// <remarks>
/// <see cref="Open"/> validates the whole header up front (a header length checked against a 100 MiB limit and the
/// file's length before it is allocated, UTF-8 JSON without duplicate keys or deep nesting, known dtypes, byte
/// counts that match the shapes, and tensors stored back to back covering the data exactly, as the reference
/// implementation requires), so a truncated, malformed or hostile file fails before any tensor is read
/// (docs/reliability.md). Tensors are then
/// streamed from the file straight into fresh CPU tensors and converted to the requested dtype and device.
/// One tensor may hold at most 2 GiB. Not thread-safe for concurrent reads; dispose to close the file.
/// </remarks>
public sealed class SafetensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;
    private readonly SafeFileHandle _handle;
    private readonly Dictionary<string, SafetensorsTensorInfo> _tensors;
    private readonly long _dataStart;

    private SafetensorsFile(string path, SafeFileHandle handle, Dictionary<string, SafetensorsTensorInfo> tensors, Dictionary<string, string> metadata, long dataStart)
    {
        FilePath = path;
        _handle = handle;
        _tensors = tensors;
        Metadata = metadata;
        _dataStart = dataStart;
    }

    /// <summary>The path of the file.</summary>
    public string FilePath { get; }

    /// <summary>The tensors in the header, by name.</summary>
    public IReadOnlyDictionary<string, SafetensorsTensorInfo> Tensors => _tensors;

    /// <summary>The <c>__metadata__</c> string map (empty when absent).</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens a file and validates its header.</summary>
    /// <param name="path">The <c>.safetensors</c> file.</param>
    /// <returns>The open file; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="CheckpointException">The file is truncated, the header is malformed, a dtype is unknown, or offsets do not match the shapes, overlap, leave gaps or leave bytes over; the message names the file and the tensor.</exception>
    public static SafetensorsFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!BitConverter.IsLittleEndian)
        {
            throw new PlatformNotSupportedException("Reading safetensors requires a little-endian machine.");
        }

        if (!File.Exists(path)) throw new FileNotFoundException($"Safetensors file '{path}' does not exist.", path);
        var handle = File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.Read);
        try
        {
            long length = RandomAccess.GetLength(handle);
            if (length < 8)
            {
                throw new CheckpointException($"Safetensors file '{path}' is truncated: {length} bytes, fewer than the 8-byte header length.", path);
            }

            Span<byte> lenBytes = stackalloc byte[8];
            ReadExactly(handle, lenBytes, 0);
            ulong headerLen = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (headerLen > (ulong)MaxHeaderBytes)
            {
                throw new CheckpointException(
                    $"Safetensors file '{path}' is not a safetensors file or is corrupt: the header length prefix claims {headerLen} bytes, more than the {MaxHeaderBytes}-byte limit (the file has {length} bytes).", path);
            }

            if ((long)headerLen > length - 8)
            {
                throw new CheckpointException(
                    $"Safetensors file '{path}' is truncated or not a safetensors file: the header claims {headerLen} bytes but the file has {length - 8} after the length prefix.", path);
            }

            var headerBytes = new byte[headerLen];
            ReadExactly(handle, headerBytes, 8);
            long dataStart = 8 + (long)headerLen;
            var (tensors, metadata) = ParseHeader(path, headerBytes, length - dataStart);
            return new SafetensorsFile(path, handle, tensors, metadata, dataStart);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>Whether the file holds a tensor of this name.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Contains(string name) => _tensors.ContainsKey(name);

    /// <summary>Reads a tensor into a new tensor owned by the caller.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="dtype">The dtype to convert to; <see langword="null"/> keeps the stored dtype.</param>
    /// <param name="device">The device to move to; <see langword="null"/> for the CPU.</param>
    /// <returns>A new tensor (the caller disposes it).</returns>
    /// <exception cref="CheckpointException">The tensor is not in the file, or it is larger than 2 GiB.</exception>
    public torch.Tensor ReadTensor(string name, torch.ScalarType? dtype = null, torch.Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_handle.IsClosed, this);
        if (!_tensors.TryGetValue(name, out var info))
        {
            throw new CheckpointException($"Tensor '{name}' is not in '{FilePath}'.", FilePath, name);
        }

        long bytes = info.End - info.Begin;
        if (bytes > int.MaxValue)
        {
            throw new CheckpointException($"Tensor '{name}' in '{FilePath}' is {bytes} bytes; this reader handles at most 2 GiB per tensor.", FilePath, name);
        }

        var raw = torch.empty([.. info.Shape], info.ScalarType);
        try
        {
            if (bytes > 0)
            {
                ReadExactly(_handle, raw.bytes, _dataStart + info.Begin);
            }

            bool sameType = dtype is null || dtype == info.ScalarType;
            bool cpu = device is null || device.type == DeviceType.CPU;
            if (sameType && cpu) return raw;
            var converted = raw.to(dtype ?? info.ScalarType, device ?? torch.CPU);
            raw.Dispose();
            return converted;
        }
        catch (IOException ex)
        {
            raw.Dispose();
            throw new CheckpointException($"Reading tensor '{name}' from '{FilePath}' failed: {ex.Message}", FilePath, name, ex);
        }
        catch
        {
            raw.Dispose();
            throw;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _handle.Dispose();

    private static void ReadExactly(SafeFileHandle handle, Span<byte> buffer, long offset)
    {
        int done = 0;
        while (done < buffer.Length)
        {
            int n = RandomAccess.Read(handle, buffer[done..], offset + done);
            if (n <= 0) throw new EndOfStreamException($"Unexpected end of file at byte {offset + done}.");
            done += n;
        }
    }

    private static (Dictionary<string, SafetensorsTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] headerBytes, long dataLength)
    {
        int badUtf8 = StrictJson.InvalidUtf8Offset(headerBytes);
        if (badUtf8 >= 0)
        {
            throw new CheckpointException($"Safetensors file '{path}' has a header that is not valid UTF-8 (header byte {badUtf8}).", path);
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(headerBytes, StrictJson.Options);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"Safetensors file '{path}' has a malformed JSON header: {StrictJson.Describe(ex)}", path, null, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointException($"Safetensors file '{path}' has a header string escape that is not valid Unicode (a lone surrogate): {ex.Message}", path, null, ex);
        }

        using (doc)
        {
            try
            {
                return ParseRoot(path, doc.RootElement, dataLength);
            }
            catch (InvalidOperationException ex)
            {
                throw new CheckpointException($"Safetensors file '{path}' has a header string escape that is not valid Unicode (a lone surrogate): {ex.Message}", path, null, ex);
            }
        }
    }

    private static (Dictionary<string, SafetensorsTensorInfo>, Dictionary<string, string>) ParseRoot(string path, JsonElement root, long dataLength)
    {
        if (root.ValueKind != JsonValueKind.Object)
        {
            throw new CheckpointException($"Safetensors file '{path}' has a header that is not a JSON object.", path);
        }

        var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var prop in root.EnumerateObject())
        {
            if (prop.NameEquals("__metadata__"))
            {
                if (prop.Value.ValueKind != JsonValueKind.Object)
                {
                    throw new CheckpointException($"Safetensors file '{path}' has a '__metadata__' entry that is not an object of strings.", path);
                }

                foreach (var m in prop.Value.EnumerateObject())
                {
                    metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                }

                continue;
            }

            if (!tensors.TryAdd(prop.Name, ParseEntry(path, prop.Name, prop.Value, dataLength)))
            {
                throw new CheckpointException($"Safetensors file '{path}' lists tensor '{prop.Name}' twice.", path, prop.Name);
            }
        }

        CheckLayout(path, tensors.Values, dataLength);
        return (tensors, metadata);
    }

    /// <summary>
    /// The data section must be covered exactly, as the reference implementation requires: sorted by offset, each
    /// tensor starts where the previous one ended (no overlap, no gap) and the last one ends at the end of the file.
    /// </summary>
    private static void CheckLayout(string path, IEnumerable<SafetensorsTensorInfo> tensors, long dataLength)
    {
        long expectedBegin = 0;
        SafetensorsTensorInfo? previous = null;
        foreach (var t in tensors.OrderBy(t => t.Begin).ThenBy(t => t.End))
        {
            if (t.Begin != expectedBegin)
            {
                string what = t.Begin < expectedBegin
                    ? $"overlaps tensor '{previous!.Name}' (data bytes [{previous.Begin}, {previous.End}])"
                    : $"leaves a gap of {t.Begin - expectedBegin} bytes after {(previous is null ? "the header" : $"tensor '{previous.Name}'")}";
                throw new CheckpointException(
                    $"Safetensors file '{path}': tensor '{t.Name}' at data bytes [{t.Begin}, {t.End}] {what}; tensors must be stored back to back.", path, t.Name);
            }

            expectedBegin = t.End;
            previous = t;
        }

        if (expectedBegin != dataLength)
        {
            throw new CheckpointException(
                $"Safetensors file '{path}' has {dataLength - expectedBegin} bytes after the last tensor's data (the tensors cover {expectedBegin} of {dataLength} data bytes).", path);
        }
    }

    private static SafetensorsTensorInfo ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new CheckpointException($"Tensor '{name}' in '{path}' has a malformed header entry (needs dtype, shape and two data_offsets): {Snippet(e)}", path, name);
        }

        string dtype = dtypeEl.GetString()!;
        if (!SafetensorsDType.TryParse(dtype, out var scalarType))
        {
            throw new CheckpointException(
                $"Tensor '{name}' in '{path}' has dtype '{Shorten(dtype)}', which is not supported; supported: {string.Join(", ", SafetensorsDType.Supported)}.", path, name);
        }

        var shape = new List<long>();
        long elementSize = SafetensorsDType.ElementSize(scalarType);
        long bytes = elementSize;
        bool overflow = false;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out long dim) || dim < 0)
            {
                throw new CheckpointException($"Tensor '{name}' in '{path}' has an invalid shape {Snippet(shapeEl)}: every dimension must be a non-negative integer.", path, name);
            }

            // The product of the non-zero dimensions must fit even when another dimension is 0: libtorch
            // computes strides from it (a [0, 2^63-1, 2^63-1] tensor overflows them).
            shape.Add(dim);
            if (dim == 0 || overflow) continue;
            if (bytes > long.MaxValue / dim) overflow = true;
            else bytes *= dim;
        }

        if (overflow)
        {
            throw new CheckpointException(
                $"Tensor '{name}' in '{path}' has shape {SafetensorsTensorInfo.FormatShape(shape)}, whose size does not fit in 64 bits.", path, name);
        }

        long expected = shape.Contains(0) ? 0 : bytes;
        if (offEl[0].ValueKind != JsonValueKind.Number || !offEl[0].TryGetInt64(out long begin)
            || offEl[1].ValueKind != JsonValueKind.Number || !offEl[1].TryGetInt64(out long end))
        {
            throw new CheckpointException($"Tensor '{name}' in '{path}' has data_offsets {Snippet(offEl)} that are not two integers.", path, name);
        }

        if (begin < 0 || end < begin)
        {
            throw new CheckpointException(
                $"Tensor '{name}' in '{path}' has data_offsets [{begin}, {end}] that run backwards or start before the data.", path, name);
        }

        if (end > dataLength)
        {
            throw new CheckpointException(
                $"Safetensors file '{path}' is truncated: tensor '{name}' ends at data byte {end} but the file holds only {dataLength} data bytes.", path, name);
        }

        if (end - begin != expected)
        {
            throw new CheckpointException(
                $"Tensor '{name}' in '{path}' has data_offsets [{begin}, {end}] ({end - begin} bytes) but {dtype} {SafetensorsTensorInfo.FormatShape(shape)} needs {expected} bytes.", path, name);
        }

        return new SafetensorsTensorInfo(name, dtype, scalarType, shape, begin, end, path);
    }

    private static string Snippet(JsonElement e) => Shorten(e.GetRawText());

    private static string Shorten(string text) => text.Length <= 200 ? text : text[..200] + "...";
}
