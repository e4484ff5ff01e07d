using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Checkpoints;

public class PretrainedRoundTripTests
{
    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void Save_then_load_gives_identical_logits(string name)
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        using var noGrad = no_grad();
        using var original = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var expected = original.Forward(ids, mask);

        original.SavePretrained(dir.Path);
        Assert.True(File.Exists(dir.File("config.json")));
        Assert.True(File.Exists(dir.File("model.safetensors")));
        using var reloaded = CausalLM.FromPretrained(dir.Path);
        var actual = reloaded.Forward(ids, mask);

        Assert.True(actual.eq(expected).all().item<bool>());
        Assert.Equal(original.Config with { ExtraProperties = reloaded.Config.ExtraProperties, EosTokenIds = reloaded.Config.EosTokenIds }, reloaded.Config);
    }

    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void A_sharded_bf16_folder_loads_with_bf16_tolerance(string name)
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var golden = GoldenFixtures.Expected(name, "logits");
        using var noGrad = no_grad();
        using (var original = CausalLM.FromPretrained(GoldenFixtures.Dir(name)))
        {
            long total = original.state_dict().Values.Sum(t => t.numel() * 2);
            original.SavePretrained(dir.Path, ScalarType.BFloat16, maxShardBytes: total * 3 / 4);
        }

        var shards = Directory.GetFiles(dir.Path, "model-*.safetensors").Select(f => Path.GetFileName(f)!).Order().ToArray();
        Assert.Equal(["model-00001-of-00002.safetensors", "model-00002-of-00002.safetensors"], shards);
        Assert.False(File.Exists(dir.File("model.safetensors")));
        Assert.Contains("\"dtype\": \"bfloat16\"", File.ReadAllText(dir.File("config.json")), StringComparison.Ordinal);
        using (var checkpoint = SafetensorsCheckpoint.Open(dir.Path))
        {
            Assert.All(checkpoint.TensorNames, n => Assert.Equal("BF16", checkpoint.GetInfo(n).DType));
            Assert.Equal(2, checkpoint.TensorNames.Select(n => checkpoint.GetInfo(n).FilePath).Distinct().Count());
        }

        using var reloaded = CausalLM.FromPretrained(dir.Path);
        Assert.Equal(ScalarType.Float32, reloaded.DType);
        var logits = reloaded.Forward(ids, mask);
        float diff = GoldenFixtures.MaxAbsDiffAtAttended(logits, golden, mask);
        float scale = golden.abs().max().item<float>();
        Assert.True(diff > 0, "bf16 rounding must change something, or the test proves nothing");
        Assert.True(diff <= 0.05f * scale, $"max |Δ| {diff} vs logit scale {scale}");
    }
}
