using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Modeling;

public class KvCacheTests
{
    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void Prefill_then_one_token_at_a_time_matches_the_full_forward(string name)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var golden = GoldenFixtures.Expected(name, "logits");
        using var noGrad = no_grad();
        using var cache = model.CreateCache(3, 12);

        // Prefill the first 7 columns, then feed the remaining 5 one by one.
        var parts = new List<Tensor> { model.Forward(ids.narrow(1, 0, 7), mask.narrow(1, 0, 7), cache: cache) };
        for (int c = 7; c < 12; c++)
        {
            parts.Add(model.Forward(ids.narrow(1, c, 1), mask.narrow(1, c, 1), cache: cache));
        }

        Assert.Equal(12, cache.Length);
        var logits = cat(parts, 1);
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(logits, golden, mask) <= 1e-4f);
    }

    [Fact]
    public void Overflowing_the_cache_fails_with_its_capacity()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        using var cache = model.CreateCache(1, 4);
        using var noGrad = no_grad();
        model.Forward(ones(1, 3, ScalarType.Int64), cache: cache);
        var ex = Assert.Throws<InvalidOperationException>(() => model.Forward(ones(1, 2, ScalarType.Int64), cache: cache));
        Assert.Contains("3 of 4", ex.Message);
        Assert.Equal(3, cache.Length);
    }

    [Fact]
    public void The_cache_owns_its_tensors_even_inside_a_caller_scope()
    {
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        KvCache cache;
        using (NewDisposeScope())
        {
            cache = model.CreateCache(2, 8);
        }

        using (cache)
        using (NewDisposeScope())
        using (no_grad())
        {
            var logits = model.Forward(ones(2, 3, ScalarType.Int64), cache: cache);
            Assert.Equal(3, cache.Length);
            Assert.False(logits.isnan().any().item<bool>());
        }
    }
}
