using TorchSharp;

namespace Plus.Torch.Checkpoints;

/// <summary>Maps safetensors dtype strings (<c>F32</c>, <c>BF16</c>, ...) to TorchSharp scalar types and back.</summary>
public static class SafetensorsDType
{
    private static readonly Dictionary<string, torch.ScalarType> ByName = new(StringComparer.Ordinal)
    {
        ["F64"] = torch.ScalarType.Float64,
        ["F32"] = torch.ScalarType.Float32,
        ["F16"] = torch.ScalarType.Float16,
        ["BF16"] = torch.ScalarType.BFloat16,
        ["I64"] = torch.ScalarType.Int64,
        ["I32"] = torch.ScalarType.Int32,
        ["I16"] = torch.ScalarType.Int16,
        ["I8"] = torch.ScalarType.Int8,
        ["U8"] = torch.ScalarType.Byte,
        ["BOOL"] = torch.ScalarType.Bool,
    };

    /// <summary>The dtype strings this reader and writer understand.</summary>
    public static IReadOnlyCollection<string> Supported => ByName.Keys;

    /// <summary>Looks up the scalar type of a safetensors dtype string.</summary>
    /// <param name="name">The dtype as written in the header, e.g. <c>BF16</c>.</param>
    /// <param name="scalarType">The TorchSharp scalar type.</param>
    /// <returns><see langword="true"/> when the dtype is supported.</returns>
    public static bool TryParse(string name, out torch.ScalarType scalarType) => ByName.TryGetValue(name, out scalarType);

    /// <summary>The safetensors dtype string of a scalar type.</summary>
    /// <param name="scalarType">A TorchSharp scalar type.</param>
    /// <returns>The dtype string, e.g. <c>F32</c>.</returns>
    /// <exception cref="ArgumentException">The scalar type has no safetensors spelling here.</exception>
    public static string ToName(torch.ScalarType scalarType)
    {
        foreach (var (name, type) in ByName)
        {
            if (type == scalarType) return name;
        }

        throw new ArgumentException($"Scalar type {scalarType} cannot be stored in safetensors here; supported: {string.Join(", ", ByName.Keys)}.", nameof(scalarType));
    }

    /// <summary>The size in bytes of one element of a scalar type.</summary>
    /// <param name="scalarType">A scalar type from <see cref="Supported"/>.</param>
    /// <returns>The element size in bytes.</returns>
    public static int ElementSize(torch.ScalarType scalarType) => scalarType switch
    {
        torch.ScalarType.Float64 or torch.ScalarType.Int64 => 8,
        torch.ScalarType.Float32 or torch.ScalarType.Int32 => 4,
        torch.ScalarType.Float16 or torch.ScalarType.BFloat16 or torch.ScalarType.Int16 => 2,
        torch.ScalarType.Int8 or torch.ScalarType.Byte or torch.ScalarType.Bool => 1,
        _ => throw new ArgumentException($"Scalar type {scalarType} has no safetensors spelling here.", nameof(scalarType)),
    };
}
