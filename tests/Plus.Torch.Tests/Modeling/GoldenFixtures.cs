using Plus.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Modeling;

/// <summary>Paths and expected tensors of the golden HF fixtures copied under tests/fixtures/golden.</summary>
internal static class GoldenFixtures
{
    public static string Dir(string name) => Path.Combine(AppContext.BaseDirectory, "fixtures", "golden", name);

    public static Tensor Expected(string name, string tensorName)
    {
        using var file = SafetensorsFile.Open(Path.Combine(Dir(name), "expected.safetensors"));
        return file.ReadTensor(tensorName);
    }

    public static float MaxAbsDiffAtAttended(Tensor actual, Tensor expected, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var diff = (actual - expected).abs().amax([-1L]);
        var masked = diff.masked_fill(mask.eq(0), 0);
        return masked.max().item<float>();
    }
}
