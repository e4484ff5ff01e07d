using System.Security.Cryptography;
using System.Text;
using Plus.Torch.Checkpoints;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Persistence;

/// <summary>SHA-256 digests (lower-case hex) of files, model folders and in-memory weights.</summary>
public static class ContentHash
{
    private static readonly string[] ModelFilePatterns = ["config.json", "*.safetensors", SafetensorsCheckpoint.IndexFileName];

    /// <summary>The digest of a file's bytes.</summary>
    /// <param name="path">The file.</param>
    /// <returns>64 hex digits.</returns>
    public static string OfFile(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
    }

    /// <summary>
    /// The digest of a Hugging Face model folder's weights and configuration: <c>config.json</c>, every
    /// <c>*.safetensors</c> and the shard index, by relative name in ordinal order (tokenizer files are not included).
    /// </summary>
    /// <param name="directory">The model folder.</param>
    /// <returns>64 hex digits.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    public static string OfModelFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        var files = ModelFilePatterns
            .SelectMany(p => Directory.EnumerateFiles(directory, p, SearchOption.TopDirectoryOnly))
            .Distinct(StringComparer.Ordinal)
            .OrderBy(f => Path.GetFileName(f), StringComparer.Ordinal)
            .ToList();
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        foreach (var file in files)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(Path.GetFileName(file) + "\n" + OfFile(file) + "\n"));
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }

    /// <summary>The digest of a module's parameters and buffers (names, dtypes, shapes and bytes, in module order).</summary>
    /// <param name="module">The module.</param>
    /// <returns>64 hex digits.</returns>
    public static string OfModule(nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        using var scope = NewDisposeScope();
        foreach (var (name, tensor) in module.state_dict())
        {
            hash.AppendData(Encoding.UTF8.GetBytes($"{name}:{tensor.dtype}:{string.Join(',', tensor.shape)}\n"));
            var cpuTensor = tensor.detach().cpu().contiguous();
            if (cpuTensor.is_floating_point())
            {
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpuTensor.to_type(ScalarType.Float32).data<float>().ToArray().AsSpan()));
            }
            else
            {
                hash.AppendData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(cpuTensor.to_type(ScalarType.Int64).data<long>().ToArray().AsSpan()));
            }
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
