using Plus.Torch.Generation;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Lora;

/// <summary>Generation with fused q/k/v and gate/up projections while LoRA adapters wrap them.</summary>
public class LoraFusedGenerationTests
{
    private const string Base = "tiny-qwen2";
    private const string Adapter = "tiny-qwen2-lora";

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Golden_adapter_generates_the_same_with_and_without_fusion(bool sample)
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        LoraAdapter.Load(model, GoldenFixtures.Dir(Adapter));
        var (ids, mask) = Prompts();
        var options = new GenerationOptions { MaxNewTokens = 12, DoSample = sample, TopK = sample ? 20 : 0, Seed = 5 };
        var generator = new TokenGenerator(model);

        using (var fusedWeights = model.CreateFusedProjections())
        {
            Assert.NotNull(fusedWeights);
            Assert.True(fusedWeights.HasAdapters);
        }

        using var fused = generator.Generate(ids, mask, options);
        using var separate = generator.Generate(ids, mask, options with { FuseProjections = false });
        Assert.Equal(separate.SequenceIds.data<long>().ToArray(), fused.SequenceIds.data<long>().ToArray());
        float diff = (fused.NewTokenLogProbs - separate.NewTokenLogProbs).abs().max().item<float>();
        Assert.True(diff <= 1e-5f, $"max |Δ log-prob| = {diff}");
    }

    [Fact]
    public void Adapters_on_some_projections_only_fuse_with_the_others_and_match_the_separate_layers()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        var adapter = LoraAdapter.Inject(model, new LoraSettings { Rank = 2, Alpha = 6, TargetModules = ["q_proj", "v_proj", "up_proj"] }, seed: 3);
        using (no_grad())
        {
            // B starts at zero; give it values so that the update matters.
            using var gen = new TorchSharp.torch.Generator(11, CPU);
            foreach (var (_, layer) in adapter.Layers) layer.LoraB.copy_(randn(layer.LoraB.shape, generator: gen).mul_(0.5));
        }

        var (ids, mask) = Prompts();
        var options = new GenerationOptions { MaxNewTokens = 10 };
        var generator = new TokenGenerator(model);
        using var fused = generator.Generate(ids, mask, options);
        using var separate = generator.Generate(ids, mask, options with { FuseProjections = false });
        Assert.Equal(separate.SequenceIds.data<long>().ToArray(), fused.SequenceIds.data<long>().ToArray());
        Assert.True(fused.NewTokenLogProbs.allclose(separate.NewTokenLogProbs, rtol: 0, atol: 1e-5));

        // The adapter must change the generation, or the comparison proves nothing about the update.
        using (adapter.DisableAdapter())
        {
            using var baseOutput = generator.Generate(ids, mask, options);
            Assert.False(baseOutput.NewTokenLogProbs.allclose(fused.NewTokenLogProbs, rtol: 0, atol: 1e-3));
        }
    }

    [Fact]
    public void A_disabled_adapter_fuses_as_the_base_model_and_active_dropout_turns_fusion_off()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        var adapter = LoraAdapter.Inject(model, new LoraSettings { Rank = 2, Alpha = 4, Dropout = 0.1 }, seed: 3);

        using (adapter.DisableAdapter())
        using (var disabled = model.CreateFusedProjections())
        {
            Assert.NotNull(disabled);
            Assert.False(disabled.HasAdapters);
        }

        model.train();
        Assert.Null(model.CreateFusedProjections());
        model.eval();
        using var eval = model.CreateFusedProjections();
        Assert.NotNull(eval);
        Assert.True(eval.HasAdapters);
    }

    private static (Tensor Ids, Tensor Mask) Prompts() => (
        GoldenFixtures.Expected(Base, "input_ids"),
        GoldenFixtures.Expected(Base, "attention_mask"));
}
