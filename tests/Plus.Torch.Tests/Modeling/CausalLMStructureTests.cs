using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Modeling;

public class CausalLMStructureTests
{
    [Theory]
    [InlineData("tiny-qwen2", false)]
    [InlineData("tiny-llama", true)]
    public void State_dict_names_are_exactly_the_transformers_names(string name, bool hasLmHead)
    {
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(name));
        using var file = SafetensorsFile.Open(Path.Combine(GoldenFixtures.Dir(name), "model.safetensors"));

        var ours = model.state_dict().Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        var theirs = file.Tensors.Keys.OrderBy(k => k, StringComparer.Ordinal).ToArray();
        Assert.Equal(theirs, ours);
        Assert.Equal(hasLmHead, ours.Contains("lm_head.weight"));
    }

    [Fact]
    public void Projections_are_listed_in_hf_paths_and_can_be_wrapped_under_the_same_name()
    {
        using var scope = NewDisposeScope();
        string dir = GoldenFixtures.Dir("tiny-qwen2");
        using var model = CausalLM.FromPretrained(dir);
        var ids = GoldenFixtures.Expected("tiny-qwen2", "input_ids");
        var mask = GoldenFixtures.Expected("tiny-qwen2", "attention_mask");
        using var noGrad = no_grad();
        var before = model.Forward(ids, mask);

        var paths = model.NamedProjections().Select(p => p.Path).ToList();
        Assert.Equal(2 * 7, paths.Count);
        Assert.Equal("model.layers.0.self_attn.q_proj", paths[0]);
        Assert.Equal("model.layers.1.mlp.down_proj", paths[^1]);
        Assert.All(model.NamedProjections(), p => Assert.IsType<Linear>(p.Module));

        foreach (var (path, module) in model.NamedProjections().ToList())
        {
            var old = model.ReplaceProjection(path, new Wrapper((Linear)module));
            Assert.Same(module, old);
        }

        var keys = model.state_dict().Keys.ToHashSet();
        Assert.Contains("model.layers.0.self_attn.q_proj.base_layer.weight", keys);
        Assert.Contains("model.layers.0.self_attn.q_proj.base_layer.bias", keys);
        Assert.Contains("model.layers.1.mlp.down_proj.base_layer.weight", keys);
        Assert.DoesNotContain("model.layers.0.self_attn.q_proj.weight", keys);
        Assert.IsType<Wrapper>(model.GetProjection("model.layers.1.self_attn.o_proj"));

        var after = model.Forward(ids, mask);
        Assert.Equal(0f, (after - before).abs().max().item<float>());
        Assert.Throws<ArgumentException>(() => model.ReplaceProjection("model.layers.2.self_attn.q_proj", new Wrapper(nn.Linear(64, 64))));
        Assert.Throws<ArgumentException>(() => model.GetProjection("model.norm"));
    }

    [Fact]
    public void Create_is_reproducible_for_a_seed_and_different_across_seeds()
    {
        var config = TinyConfigs.Qwen2();
        using var a = CausalLM.Create(config, seed: 7);
        using var b = CausalLM.Create(config, seed: 7);
        using var c = CausalLM.Create(config, seed: 8);
        using var scope = NewDisposeScope();
        var wa = a.state_dict()["model.layers.0.self_attn.q_proj.weight"];
        Assert.True(wa.eq(b.state_dict()["model.layers.0.self_attn.q_proj.weight"]).all().item<bool>());
        Assert.False(wa.eq(c.state_dict()["model.layers.0.self_attn.q_proj.weight"]).all().item<bool>());
        Assert.Equal(1f, a.state_dict()["model.norm.weight"].mean().item<float>());
    }

    private sealed class Wrapper : nn.Module<Tensor, Tensor>
    {
        [ComponentName(Name = "base_layer")]
        private readonly Linear _baseLayer;

        public Wrapper(Linear baseLayer) : base("Wrapper")
        {
            _baseLayer = baseLayer;
            RegisterComponents();
        }

        public override Tensor forward(Tensor input) => _baseLayer.forward(input);
    }
}
