using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Generation;

public class TokenGeneratorGoldenTests
{
    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void Greedy_generation_equals_transformers_token_for_token(string name)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var expected = GoldenFixtures.Expected(name, "greedy_sequences");

        using var output = new TokenGenerator(model).Generate(ids, mask, new GenerationOptions
        {
            MaxNewTokens = 8,
            MinNewTokens = 8,
            StopTokenIds = model.Config.EosTokenIds,
            PadTokenId = 0,
        });

        Assert.Equal(expected.shape, output.SequenceIds.shape);
        Assert.Equal(expected.data<long>().ToArray(), output.SequenceIds.data<long>().ToArray());
        Assert.All(output.Sequences, s => Assert.Equal(8, s.TokenIds.Count));
        Assert.All(output.Sequences, s => Assert.Equal(FinishReason.Length, s.FinishReason));
    }

    [Theory]
    [InlineData("tiny-qwen2", false)]
    [InlineData("tiny-llama", false)]
    [InlineData("tiny-qwen2", true)]
    [InlineData("tiny-llama", true)]
    public void Generation_with_the_cache_equals_recomputing_the_full_sequence(string name, bool sample)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var options = new GenerationOptions
        {
            MaxNewTokens = 20,
            DoSample = sample,
            Temperature = 0.9,
            TopK = sample ? 40 : 0,
            TopP = sample ? 0.95 : 1.0,
            Seed = 1234,
            StopTokenIds = [2, 17],
        };
        var generator = new TokenGenerator(model);

        using var cached = generator.Generate(ids, mask, options);
        using var recomputed = generator.Generate(ids, mask, options with { UseCache = false });

        Assert.Equal(recomputed.SequenceIds.data<long>().ToArray(), cached.SequenceIds.data<long>().ToArray());
        Assert.Equal(recomputed.NewTokenMask.data<long>().ToArray(), cached.NewTokenMask.data<long>().ToArray());
        Assert.True(cached.NewTokenLogProbs.allclose(recomputed.NewTokenLogProbs, rtol: 0, atol: 1e-4));
        for (int b = 0; b < 3; b++)
        {
            Assert.Equal(recomputed.Sequences[b].TokenIds, cached.Sequences[b].TokenIds);
            Assert.Equal(recomputed.Sequences[b].FinishReason, cached.Sequences[b].FinishReason);
        }
    }

    [Theory]
    [InlineData("tiny-qwen2")]
    [InlineData("tiny-llama")]
    public void Fused_projections_generate_the_same_as_separate_ones_and_wrapped_models_still_generate(string name)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        var ids = GoldenFixtures.Expected(name, "input_ids");
        var mask = GoldenFixtures.Expected(name, "attention_mask");
        var options = new GenerationOptions { MaxNewTokens = 16, DoSample = true, TopK = 20, Seed = 9 };
        var generator = new TokenGenerator(model);

        using var fused = generator.Generate(ids, mask, options);
        using var separate = generator.Generate(ids, mask, options with { FuseProjections = false });
        Assert.Equal(separate.SequenceIds.data<long>().ToArray(), fused.SequenceIds.data<long>().ToArray());
        Assert.True(fused.NewTokenLogProbs.allclose(separate.NewTokenLogProbs, rtol: 0, atol: 1e-4));

        // A wrapped projection (as LoRA does) disables fusion; the output must not change.
        var q = model.GetProjection("model.layers.0.self_attn.q_proj");
        model.ReplaceProjection("model.layers.0.self_attn.q_proj", new PassThrough(q));
        using var wrapped = generator.Generate(ids, mask, options);
        Assert.Equal(fused.SequenceIds.data<long>().ToArray(), wrapped.SequenceIds.data<long>().ToArray());
    }

    private sealed class PassThrough : TorchSharp.torch.nn.Module<Tensor, Tensor>
    {
        private readonly TorchSharp.torch.nn.Module<Tensor, Tensor> _inner;

        public PassThrough(TorchSharp.torch.nn.Module<Tensor, Tensor> inner) : base("PassThrough")
        {
            _inner = inner;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => _inner.forward(input);
    }
}
