using TorchSharp;

namespace Plus.Torch.Checkpoints;

/// <summary>One tensor entry of a safetensors header.</summary>
/// <param name="Name">The tensor name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="DType">The dtype string as stored, e.g. <c>BF16</c>.</param>
/// <param name="ScalarType">The TorchSharp scalar type of <paramref name="DType"/>.</param>
/// <param name="Shape">The shape.</param>
/// <param name="Begin">Start of the data, in bytes from the start of the data section.</param>
/// <param name="End">End (exclusive) of the data, in bytes from the start of the data section.</param>
/// <param name="FilePath">The file that holds the tensor.</param>
public sealed record SafetensorsTensorInfo(
    string Name,
    string DType,
    torch.ScalarType ScalarType,
    IReadOnlyList<long> Shape,
    long Begin,
    long End,
    string FilePath)
{
    /// <summary>The number of elements (product of <see cref="Shape"/>; 1 for a scalar).</summary>
    public long ElementCount
    {
        get
        {
            long n = 1;
            foreach (long d in Shape) n *= d;
            return n;
        }
    }

    /// <summary>The shape written like <c>[896, 151936]</c>, for messages.</summary>
    public string ShapeText => FormatShape(Shape);

    /// <summary>Formats a shape like <c>[2, 3]</c>.</summary>
    /// <param name="shape">The shape.</param>
    /// <returns>The text.</returns>
    public static string FormatShape(IEnumerable<long> shape) => "[" + string.Join(", ", shape) + "]";
}
