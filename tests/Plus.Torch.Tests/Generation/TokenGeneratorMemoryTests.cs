using System.Globalization;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Generation;

[Collection(MemoryMeasurementCollection.Name)]
public class TokenGeneratorMemoryTests
{
    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    [Fact]
    public void Generating_many_batches_keeps_live_tensors_and_native_memory_flat()
    {
        var config = TinyConfigs.Qwen2() with { HiddenSize = 64, IntermediateSize = 128, NumHiddenLayers = 2, HeadDim = 16, VocabSize = 256 };
        using var model = CausalLM.Create(config, seed: 3);
        var generator = new TokenGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = 24, DoSample = true, TopK = 20, TopP = 0.9, Seed = 1, StopTokenIds = [2] };
        using var ids = randint(3, 256, [8, 16], ScalarType.Int64, generator: new TorchSharp.torch.Generator(7, CPU));
        using var mask = ones(8, 16, ScalarType.Int64);
        mask.narrow(1, 0, 5).narrow(0, 0, 4).fill_(0);

        void RunBatches(int count)
        {
            for (int i = 0; i < count; i++)
            {
                using var output = generator.Generate(ids, mask, options with { Seed = i });
                Assert.True(output.Steps > 0);
            }
        }

        RunBatches(20);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long liveBefore = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long rssBefore = ResidentBytes();

        RunBatches(200);
        GC.Collect();
        GC.WaitForPendingFinalizers();
        long liveAfter = DisposeScopeManager.Statistics.ThreadTotalLiveCount;
        long rssAfter = ResidentBytes();

        Assert.Equal(liveBefore, liveAfter);
        Assert.True(rssAfter - rssBefore < 64L << 20, $"RSS grew by {(rssAfter - rssBefore) >> 20} MiB over 200 generations");
    }
}
