using System.Text.Json;
using System.Text.Json.Nodes;
using TorchSharp;

namespace Plus.Torch.Checkpoints;

/// <summary>
/// The weights of a Hugging Face model folder: either one <c>model.safetensors</c> or shards listed by
/// <c>model.safetensors.index.json</c> (<c>weight_map</c>: tensor name → shard file).
/// </summary>
/// <remarks>Opening validates every shard's header. Not thread-safe; dispose to close the shards.</remarks>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The single-file weights name.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The shard index name.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly List<SafetensorsFile> _files;
    private readonly Dictionary<string, SafetensorsFile> _byTensor;

    private SafetensorsCheckpoint(string source, List<SafetensorsFile> files, Dictionary<string, SafetensorsFile> byTensor)
    {
        Source = source;
        _files = files;
        _byTensor = byTensor;
    }

    /// <summary>The folder, index or file the checkpoint was opened from.</summary>
    public string Source { get; }

    /// <summary>All tensor names.</summary>
    public IEnumerable<string> TensorNames => _byTensor.Keys;

    /// <summary>Opens a model folder (index preferred over the single file), an index file or a <c>.safetensors</c> file.</summary>
    /// <param name="path">The folder or file.</param>
    /// <returns>The checkpoint; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">No weights were found, or a shard named by the index is missing.</exception>
    /// <exception cref="CheckpointException">
    /// A file is malformed or truncated, the index is inconsistent, or the index names a shard outside the folder
    /// (an absolute path, <c>..</c>, or a symbolic link that leads out; refused before the file is opened).
    /// </exception>
    public static SafetensorsCheckpoint Open(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (Directory.Exists(path))
        {
            string index = Path.Combine(path, IndexFileName);
            string single = Path.Combine(path, SingleFileName);
            if (File.Exists(index)) return OpenIndex(index);
            if (File.Exists(single)) return OpenSingle(single);
            throw new FileNotFoundException($"No weights in '{path}': expected '{SingleFileName}' or '{IndexFileName}'.", single);
        }

        if (path.EndsWith(".json", StringComparison.OrdinalIgnoreCase)) return OpenIndex(path);
        return OpenSingle(path);
    }

    /// <summary>Describes a tensor without reading it.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns>The header entry, including the file that holds it.</returns>
    /// <exception cref="CheckpointException">No such tensor.</exception>
    public SafetensorsTensorInfo GetInfo(string name)
    {
        if (!_byTensor.TryGetValue(name, out var file))
        {
            throw new CheckpointException($"Tensor '{name}' is missing from '{Source}'.", Source, name);
        }

        return file.Tensors[name];
    }

    /// <summary>Whether a tensor is present.</summary>
    /// <param name="name">The tensor name.</param>
    /// <returns><see langword="true"/> when present.</returns>
    public bool Contains(string name) => _byTensor.ContainsKey(name);

    /// <summary>Reads a tensor into a new tensor owned by the caller.</summary>
    /// <param name="name">The tensor name.</param>
    /// <param name="dtype">The dtype to convert to; <see langword="null"/> keeps the stored dtype.</param>
    /// <param name="device">The device; <see langword="null"/> for the CPU.</param>
    /// <returns>The tensor.</returns>
    /// <exception cref="CheckpointException">No such tensor, or reading failed.</exception>
    public torch.Tensor ReadTensor(string name, torch.ScalarType? dtype = null, torch.Device? device = null)
    {
        if (!_byTensor.TryGetValue(name, out var file))
        {
            throw new CheckpointException($"Tensor '{name}' is missing from '{Source}'.", Source, name);
        }

        return file.ReadTensor(name, dtype, device);
    }

    /// <summary>
    /// Saves tensors into a folder as <c>model.safetensors</c>, or as shards
    /// <c>model-0000i-of-0000n.safetensors</c> plus <c>model.safetensors.index.json</c> when they exceed
    /// <paramref name="maxShardBytes"/>. Each file is written atomically; stale weight files of the other layout are removed.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <param name="tensors">The tensors by name; not disposed.</param>
    /// <param name="dtype">Floating-point tensors are stored in this dtype; <see langword="null"/> keeps theirs.</param>
    /// <param name="maxShardBytes">Largest shard size in bytes; <see langword="null"/> writes one file. A tensor larger than this gets a shard of its own.</param>
    public static void Save(string directory, IEnumerable<KeyValuePair<string, torch.Tensor>> tensors, torch.ScalarType? dtype = null, long? maxShardBytes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(tensors);
        if (maxShardBytes is <= 0) throw new ArgumentOutOfRangeException(nameof(maxShardBytes), maxShardBytes, "The shard size must be positive.");
        Directory.CreateDirectory(directory);
        var list = tensors.OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
        var shards = new List<List<KeyValuePair<string, torch.Tensor>>> { new() };
        long current = 0, total = 0;
        foreach (var entry in list)
        {
            long bytes = SafetensorsWriter.StoredBytes(entry.Value, dtype);
            total += bytes;
            if (maxShardBytes is { } max && current > 0 && current + bytes > max)
            {
                shards.Add(new List<KeyValuePair<string, torch.Tensor>>());
                current = 0;
            }

            shards[^1].Add(entry);
            current += bytes;
        }

        string single = Path.Combine(directory, SingleFileName);
        string index = Path.Combine(directory, IndexFileName);
        if (shards.Count == 1)
        {
            SafetensorsWriter.Write(single, shards[0], dtype);
            if (File.Exists(index)) File.Delete(index);
            RemoveStaleShards(directory, []);
            return;
        }

        var weightMap = new JsonObject();
        var written = new HashSet<string>(StringComparer.Ordinal);
        for (int i = 0; i < shards.Count; i++)
        {
            string fileName = $"model-{i + 1:D5}-of-{shards.Count:D5}.safetensors";
            written.Add(fileName);
            SafetensorsWriter.Write(Path.Combine(directory, fileName), shards[i], dtype);
            foreach (var (name, _) in shards[i]) weightMap[name] = fileName;
        }

        var root = new JsonObject
        {
            ["metadata"] = new JsonObject { ["total_size"] = total },
            ["weight_map"] = weightMap,
        };
        Plus.Torch.Training.AtomicFile.WriteAllText(index, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        if (File.Exists(single)) File.Delete(single);
        RemoveStaleShards(directory, written);
    }

    private static void RemoveStaleShards(string directory, HashSet<string> keep)
    {
        foreach (var file in Directory.GetFiles(directory, "model-*-of-*.safetensors"))
        {
            if (!keep.Contains(Path.GetFileName(file))) File.Delete(file);
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
    }

    private static SafetensorsCheckpoint OpenSingle(string file)
    {
        var f = SafetensorsFile.Open(file);
        var map = f.Tensors.Keys.ToDictionary(k => k, _ => f, StringComparer.Ordinal);
        return new SafetensorsCheckpoint(file, [f], map);
    }

    private static SafetensorsCheckpoint OpenIndex(string indexPath)
    {
        if (!File.Exists(indexPath)) throw new FileNotFoundException($"Shard index '{indexPath}' does not exist.", indexPath);
        Func<string, Exception> fail = m => new CheckpointException(m, indexPath);
        byte[] bytes = StrictJson.ReadUtf8File(indexPath, StrictJson.MaxConfigBytes, $"Shard index '{indexPath}'", fail);
        JsonNode? root;
        try
        {
            root = StrictJson.ParseNode(bytes);
        }
        catch (JsonException ex)
        {
            throw new CheckpointException($"Shard index '{indexPath}' is not valid JSON: {StrictJson.Describe(ex)}", indexPath, null, ex);
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointException($"Shard index '{indexPath}' is not valid JSON: it holds a string escape that is not valid Unicode (a lone surrogate): {ex.Message}", indexPath, null, ex);
        }

        if (root is not JsonObject rootObject || rootObject["weight_map"] is not JsonObject weightMap)
        {
            throw new CheckpointException($"Shard index '{indexPath}' has no 'weight_map' object.", indexPath);
        }

        List<KeyValuePair<string, JsonNode?>> entries;
        try
        {
            entries = [.. weightMap];
        }
        catch (InvalidOperationException ex)
        {
            throw new CheckpointException($"Shard index '{indexPath}' is not valid JSON: it holds a string escape that is not valid Unicode (a lone surrogate): {ex.Message}", indexPath, null, ex);
        }

        string dir = Path.GetDirectoryName(Path.GetFullPath(indexPath))!;
        var roots = ModelFolder.AllowedRoots(dir);
        var files = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        var byTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, value) in entries)
            {
                string? shard = value is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
                if (shard is null)
                {
                    throw new CheckpointException($"Shard index '{indexPath}' maps tensor '{name}' to {value?.ToJsonString() ?? "null"}, not a file name.", indexPath, name);
                }

                string shardPath = ModelFolder.ResolveInside(dir, roots, shard, indexPath, name);
                if (!files.TryGetValue(shardPath, out var file))
                {
                    if (!File.Exists(shardPath))
                    {
                        throw new FileNotFoundException($"Shard '{shard}' named by '{indexPath}' for tensor '{name}' does not exist.", shardPath);
                    }

                    file = SafetensorsFile.Open(shardPath);
                    files.Add(shardPath, file);
                }

                if (!file.Contains(name))
                {
                    throw new CheckpointException($"Tensor '{name}' is mapped to '{file.FilePath}' by '{indexPath}' but that file does not hold it.", file.FilePath, name);
                }

                byTensor[name] = file;
            }
        }
        catch (InvalidOperationException ex)
        {
            foreach (var f in files.Values) f.Dispose();
            throw new CheckpointException($"Shard index '{indexPath}' is not valid JSON: it holds a string escape that is not valid Unicode (a lone surrogate): {ex.Message}", indexPath, null, ex);
        }
        catch
        {
            foreach (var f in files.Values) f.Dispose();
            throw;
        }

        return new SafetensorsCheckpoint(indexPath, [.. files.Values], byTensor);
    }
}
