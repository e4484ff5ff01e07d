using System.Globalization;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Generation;
using TorchSharp;

namespace Plus.Torch.Tests.Modeling;

/// <summary>
/// Disposing a model returns its weights' memory. TorchSharp's <c>Tensor.TotalCount</c> keeps counting about one tensor
/// per parameter of a disposed module (49 per plus-tiny-qwen2 load: docs/performance.md, "soak"), so the count alone
/// would suggest a leak; resident memory over many builds shows there is none.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public class ModelDisposeMemoryTests
{
    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    [Fact]
    public void Building_and_disposing_a_model_many_times_returns_its_weights_memory()
    {
        // 2 layers of hidden 512 / MLP 2,048 with a 6,000-token vocabulary: about 30 MB of fp32 weights per model.
        var config = TinyConfigs.Qwen2() with { HiddenSize = 512, IntermediateSize = 2048, NumHiddenLayers = 2, NumAttentionHeads = 8, NumKeyValueHeads = 4, HeadDim = 64, VocabSize = 6000 };
        long bytes = 0;
        // Warm-up builds: the native allocator settles on its working set first (as in the generation memory tests).
        for (int i = 0; i < 8; i++)
        {
            using var warm = CausalLM.Create(config, seed: 100 + i);
            bytes = warm.parameters().Sum(p => p.numel()) * sizeof(float);
        }

        Assert.True(bytes > 20L << 20, $"the model holds only {bytes >> 20} MiB");

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long before = ResidentBytes();
        const int builds = 30; // about 1.2 GiB of weights allocated and freed in all
        for (int i = 0; i < builds; i++)
        {
            using var model = CausalLM.Create(config, seed: i);
            Assert.Equal(bytes, model.parameters().Sum(p => p.numel()) * sizeof(float));
        }

        GC.Collect();
        GC.WaitForPendingFinalizers();
        long growth = ResidentBytes() - before;
        // A leak of the weights would grow the process by builds × bytes (about 1.2 GiB). The native allocator's own
        // band measured 48 to 128 MiB over these builds (its mmap threshold adapts to the freed blocks), so a third of
        // the leak, about 410 MiB, tells the two apart with room on both sides.
        Assert.True(growth < builds * bytes / 3, $"RSS grew by {growth >> 20} MiB over {builds} builds of a {bytes >> 20} MiB model");
    }
}
