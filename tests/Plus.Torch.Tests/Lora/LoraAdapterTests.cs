using System.Text.Json.Nodes;
using Plus.Torch.Checkpoints;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tests.Modeling;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Lora;

public class LoraAdapterTests
{
    [Fact]
    public void A_fresh_adapter_leaves_the_outputs_unchanged_and_freezes_the_base()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var ids = Ids();
        using var noGrad = no_grad();
        var before = model.Forward(ids);
        var adapter = LoraAdapter.Inject(model, new LoraSettings { Rank = 4, Alpha = 8 }, seed: 3);
        var after = model.Forward(ids);

        Assert.True((before - after).abs().max().item<float>() == 0f);
        var trainable = model.named_parameters().Where(p => p.parameter.requires_grad).Select(p => p.name).ToList();
        Assert.Equal(2 * 7 * 2, trainable.Count);
        Assert.All(trainable, n => Assert.Matches(@"\.lora_[AB]\.weight$", n));
        Assert.Contains("model.layers.0.self_attn.q_proj.base_layer.weight", model.state_dict().Keys);
        Assert.Equal(adapter.Parameters.Count, trainable.Count);
    }

    [Fact]
    public void A_is_drawn_like_peft_within_one_over_sqrt_fan_in_and_B_is_zero()
    {
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var adapter = LoraAdapter.Inject(model, new LoraSettings { Rank = 4, TargetModules = ["down_proj"] }, seed: 3);
        var layer = adapter.Layers[0].Value;
        double bound = 1 / Math.Sqrt(layer.InFeatures);

        Assert.Equal("model.layers.0.mlp.down_proj", adapter.Layers[0].Key);
        Assert.Equal(64, layer.InFeatures);
        Assert.True(layer.LoraA.abs().max().item<float>() <= bound);
        Assert.True(layer.LoraA.abs().max().item<float>() > bound / 2);
        Assert.Equal(0f, layer.LoraB.abs().max().item<float>());
    }

    [Fact]
    public void The_same_seed_gives_the_same_adapter()
    {
        using var a = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        using var b = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var la = LoraAdapter.Inject(a, new LoraSettings(), seed: 9);
        var lb = LoraAdapter.Inject(b, new LoraSettings(), seed: 9);
        for (int i = 0; i < la.Parameters.Count; i++)
        {
            Assert.True(la.Parameters[i].allclose(lb.Parameters[i], 0, 0));
        }
    }

    [Fact]
    public void Target_names_select_the_projections()
    {
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var adapter = LoraAdapter.Inject(model, new LoraSettings { TargetModules = ["q_proj", "v_proj"] });
        Assert.Equal(
            ["model.layers.0.self_attn.q_proj", "model.layers.0.self_attn.v_proj", "model.layers.1.self_attn.q_proj", "model.layers.1.self_attn.v_proj"],
            adapter.Layers.Select(l => l.Key));
        Assert.IsType<TorchSharp.Modules.Linear>(model.GetProjection("model.layers.0.self_attn.k_proj"));
    }

    [Fact]
    public void Invalid_settings_and_double_injection_fail_with_clear_messages()
    {
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var ex = Assert.Throws<ArgumentException>(() => LoraAdapter.Inject(model, new LoraSettings { TargetModules = ["lm_head"] }));
        Assert.Contains("'lm_head' is not a decoder projection", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => LoraAdapter.Inject(model, new LoraSettings { Rank = 0 }));
        Assert.Throws<ArgumentException>(() => LoraAdapter.Inject(model, new LoraSettings { Dropout = 1 }));
        LoraAdapter.Inject(model, new LoraSettings());
        Assert.Throws<InvalidOperationException>(() => LoraAdapter.Inject(model, new LoraSettings()));
    }

    [Fact]
    public void Only_lora_parameters_change_when_training()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var adapter = LoraAdapter.Inject(model, new LoraSettings { Rank = 2, Alpha = 4 }, seed: 2);
        var frozen = model.named_parameters().Where(p => !p.parameter.requires_grad).ToDictionary(p => p.name, p => p.parameter.detach().clone());
        using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { LearningRate = 1e-2 });
        var ids = Ids();
        for (int i = 0; i < 3; i++)
        {
            optimizer.zero_grad();
            var logits = model.Forward(ids);
            var loss = -CausalLM.TokenLogProbs(logits, ids).mean();
            loss.backward();
            optimizer.step();
        }

        foreach (var (name, p) in model.named_parameters())
        {
            if (frozen.TryGetValue(name, out var old)) Assert.True(p.allclose(old, 0, 0), $"{name} changed although frozen");
        }

        Assert.True(adapter.Layers.Any(l => l.Value.LoraB.abs().max().item<float>() > 0), "B never moved");
    }

    [Fact]
    public void Save_then_load_round_trips_the_outputs_and_writes_peft_names()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        using var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var adapter = LoraAdapter.Inject(model, new LoraSettings { Rank = 3, Alpha = 5, Dropout = 0.1, TargetModules = ["q_proj", "up_proj"] }, seed: 4);
        Randomize(adapter);
        var ids = Ids();
        model.eval();
        Tensor expected;
        using (no_grad()) expected = model.Forward(ids);

        adapter.Save(dir.Path, taskType: PeftAdapterConfig.CausalLMTask, baseModelNameOrPath: "tiny");

        using var weights = SafetensorsFile.Open(Path.Combine(dir.Path, LoraAdapter.WeightsFileName));
        Assert.Contains("base_model.model.model.layers.1.mlp.up_proj.lora_B.weight", weights.Tensors.Keys);
        Assert.Equal(8, weights.Tensors.Count);
        var json = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, PeftAdapterConfig.FileName)))!;
        Assert.Equal("LORA", (string?)json["peft_type"]);
        Assert.Equal(3, (int)json["r"]!);
        Assert.Equal(5, (int)json["lora_alpha"]!);
        Assert.Equal("CAUSAL_LM", (string?)json["task_type"]);
        Assert.Equal(["q_proj", "up_proj"], json["target_modules"]!.AsArray().Select(n => (string)n!));

        using var fresh = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var loaded = LoraAdapter.Load(fresh, dir.Path);
        fresh.eval();
        using var noGrad = no_grad();
        var actual = fresh.Forward(ids);
        Assert.Equal(0.1, loaded.Settings.Dropout);
        Assert.True((expected - actual).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void Loading_a_mismatched_adapter_names_the_tensor_and_changes_nothing()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        using (var model = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1))
        {
            LoraAdapter.Inject(model, new LoraSettings { Rank = 3, TargetModules = ["q_proj"] }).Save(dir.Path);
        }

        // Same names, another rank: the shapes disagree.
        using var other = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var adapter = LoraAdapter.Inject(other, new LoraSettings { Rank = 2, TargetModules = ["q_proj"] });
        var before = adapter.Parameters[0].detach().clone();
        var ex = Assert.Throws<CheckpointException>(() => adapter.LoadWeights(dir.Path));
        Assert.Contains("model.layers.0.self_attn.q_proj.lora_A.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("[3, 32]", ex.Message, StringComparison.Ordinal);
        Assert.True(adapter.Parameters[0].allclose(before, 0, 0));

        // Fewer targets than the file holds: the extra tensor is named.
        using var third = CausalLM.Create(TinyConfigs.Qwen2(), seed: 1);
        var narrow = LoraAdapter.Inject(third, new LoraSettings { Rank = 3, TargetModules = ["k_proj"] });
        var ex2 = Assert.Throws<CheckpointException>(() => narrow.LoadWeights(dir.Path));
        Assert.Contains("matches no LoRA layer", ex2.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("\"use_dora\": true", "DoRA")]
    [InlineData("\"peft_type\": \"IA3\"", "only LORA")]
    [InlineData("\"target_modules\": \".*proj\"", "pattern")]
    [InlineData("\"rank_pattern\": {\"q_proj\": 2}", "rank_pattern")]
    [InlineData("\"bias\": \"all\"", "biases")]
    public void Unsupported_adapter_configs_fail_naming_the_file_and_key(string entry, string expected)
    {
        var baseJson = new JsonObject
        {
            ["peft_type"] = "LORA",
            ["r"] = 4,
            ["lora_alpha"] = 8,
            ["target_modules"] = new JsonArray("q_proj"),
        };
        var patch = JsonNode.Parse("{" + entry + "}")!.AsObject();
        foreach (var (k, v) in patch) baseJson[k] = v?.DeepClone();
        var ex = Assert.Throws<CheckpointException>(() => PeftAdapterConfig.Parse(baseJson.ToJsonString(), "my/adapter_config.json"));
        Assert.Contains("my/adapter_config.json", ex.Message, StringComparison.Ordinal);
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void All_linear_resolves_to_every_projection_in_the_saved_config()
    {
        var config = new PeftAdapterConfig { Settings = new LoraSettings() };
        var json = JsonNode.Parse(config.ToJson())!;
        Assert.Equal(LoraSettings.ProjectionNames, json["target_modules"]!.AsArray().Select(n => (string)n!));
        var parsed = PeftAdapterConfig.Parse("{\"peft_type\":\"LORA\",\"r\":2,\"lora_alpha\":4,\"target_modules\":\"all-linear\"}");
        Assert.Equal(LoraSettings.ProjectionNames, parsed.Settings.ResolveTargets());
    }

    [Fact]
    public void Rslora_scales_by_alpha_over_root_r()
    {
        Assert.Equal(16 / 2.0, new LoraSettings { Rank = 4, Alpha = 16, UseRsLora = true }.Scaling);
        Assert.Equal(4.0, new LoraSettings { Rank = 4, Alpha = 16 }.Scaling);
    }

    private static Tensor Ids() => tensor(new long[,] { { 3, 9, 14, 27, 8, 1 }, { 5, 5, 40, 2, 11, 7 } });

    private static void Randomize(LoraAdapter adapter)
    {
        using var noGrad = no_grad();
        using var gen = new TorchSharp.torch.Generator(77);
        foreach (var p in adapter.Parameters)
        {
            using var r = randn(p.shape, generator: gen).mul_(0.2);
            p.copy_(r);
        }
    }
}
