using TorchSharp;
using Plus.Torch.Checkpoints;
using Plus.Torch.Runtime;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Generation;

/// <summary>Model shapes and device selection shared by the generation benchmarks.</summary>
internal static class BenchModels
{
    /// <summary>The Qwen2.5-0.5B shape (random weights): vocab 151936, hidden 896, MLP 4864, 24 layers, 14 heads, 2 KV heads, tied.</summary>
    public static DecoderConfig Qwen05B() => new()
    {
        ModelType = "qwen2",
        VocabSize = 151936,
        HiddenSize = 896,
        IntermediateSize = 4864,
        NumHiddenLayers = 24,
        NumAttentionHeads = 14,
        NumKeyValueHeads = 2,
        HeadDim = 64,
        RmsNormEps = 1e-6,
        RopeTheta = 1_000_000,
        TieWordEmbeddings = true,
        QkvBias = true,
        MaxPositionEmbeddings = 32768,
    };

    /// <summary>A small CPU-friendly shape: vocab 4096, hidden 256, 4 layers, 8 heads, 2 KV heads.</summary>
    public static DecoderConfig Small() => new()
    {
        ModelType = "qwen2",
        VocabSize = 4096,
        HiddenSize = 256,
        IntermediateSize = 704,
        NumHiddenLayers = 4,
        NumAttentionHeads = 8,
        NumKeyValueHeads = 2,
        HeadDim = 32,
        RmsNormEps = 1e-6,
        RopeTheta = 1_000_000,
        TieWordEmbeddings = true,
        QkvBias = true,
        MaxPositionEmbeddings = 4096,
    };

    /// <summary>
    /// The layer structure of the Qwen2.5-0.5B shape (24 layers, 14 heads, 2 KV heads, q/k/v bias, tied) at a narrow
    /// width (head size 8, hidden 112, MLP 224, vocab 1024): the same ops and the same number of parameter tensors as
    /// the real shape, cheap enough to count on a CPU. Not for timing.
    /// </summary>
    public static DecoderConfig Qwen05BStructure() => Qwen05B() with
    {
        VocabSize = 1024,
        HiddenSize = 112,
        IntermediateSize = 224,
        HeadDim = 8,
    };

    /// <summary>Reads PLUS_BENCH_DEVICE (cpu by default; cuda selects CUDA, bf16 and the 0.5B shape).</summary>
    public static (Device Device, ScalarType DType, DecoderConfig Config, string Name) FromEnvironment()
    {
        string requested = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        return Resolve(requested, null);
    }

    /// <summary>Resolves a device name and an optional shape name (<c>qwen0.5b</c>, <c>qwen0.5b-structure</c> or <c>small</c>).</summary>
    public static (Device Device, ScalarType DType, DecoderConfig Config, string Name) Resolve(string deviceName, string? shape)
    {
        var device = TorchRuntime.ResolveDevice(deviceName);
        bool cuda = device.type == DeviceType.CUDA;
        string name = shape ?? (cuda ? "qwen0.5b" : "small");
        var config = name switch
        {
            "qwen0.5b" => Qwen05B(),
            "small" => Small(),
            "qwen0.5b-structure" => Qwen05BStructure(),
            _ => throw new ArgumentException($"Unknown model shape '{name}'; use 'qwen0.5b', 'qwen0.5b-structure' or 'small'.", nameof(shape)),
        };
        return (device, cuda ? ScalarType.BFloat16 : ScalarType.Float32, config, name);
    }

    /// <summary>Waits for queued device work (no-op on the CPU).</summary>
    public static void Synchronize(Device device)
    {
        if (device.type == DeviceType.CUDA) cuda.synchronize(device);
    }
}
