using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Modeling;

public class CausalLMGoldenTests
{
    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void Left_padded_logits_match_transformers_within_1e4(string name)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var positions = GoldenFixtures.Expected(name, "position_ids");
        var expected = GoldenFixtures.Expected(name, "logits");

        using var noGrad = no_grad();
        var logits = model.Forward(ids, mask, positions);

        Assert.Equal(expected.shape, logits.shape);
        Assert.Equal(ScalarType.Float32, logits.dtype);
        float maxDiff = GoldenFixtures.MaxAbsDiffAtAttended(logits, expected, mask);
        Assert.True(maxDiff <= 1e-4f, $"max |Δ| at attended positions = {maxDiff}");
        Assert.False(logits.isnan().any().item<bool>(), "padded positions must not produce NaN");
    }

    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void Position_ids_default_to_the_mask_cumsum(string name)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var expectedPositions = GoldenFixtures.Expected(name, "position_ids");
        var expected = GoldenFixtures.Expected(name, "logits");

        Assert.Equal(expectedPositions.data<long>().ToArray(), PositionIds.FromAttentionMask(mask).data<long>().ToArray());
        using var noGrad = no_grad();
        var logits = model.Forward(ids, mask);
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(logits, expected, mask) <= 1e-4f);
    }
}
