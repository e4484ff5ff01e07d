using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

public class OptimizerFactoryTests
{
    [Fact]
    public void Only_trainable_parameters_are_optimized_with_the_paper_betas()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("frozen", nn.Linear(4, 4)), ("head", nn.Linear(4, 1)));
        foreach (var p in model.named_parameters().Where(p => p.name.StartsWith("frozen", StringComparison.Ordinal)))
        {
            p.parameter.requires_grad = false;
        }

        var frozenBefore = model.named_parameters().First(p => p.name == "frozen.weight").parameter.clone();
        var headBefore = model.named_parameters().First(p => p.name == "head.weight").parameter.clone();
        using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { LearningRate = 0.1 });
        Assert.Equal(2, optimizer.parameters().Count());
        var betas = ((AdamW.ParamGroup)optimizer.ParamGroups.Single()).Betas;
        Assert.Equal((0.9, 0.95), betas);

        model.call(ones(2, 4)).sum().backward();
        optimizer.step();
        Assert.True(model.named_parameters().First(p => p.name == "frozen.weight").parameter.eq(frozenBefore).all().item<bool>());
        Assert.False(model.named_parameters().First(p => p.name == "head.weight").parameter.eq(headBefore).all().item<bool>());
    }

    [Fact]
    public void Weight_decay_spares_biases_and_norms()
    {
        Assert.True(OptimizerFactory.IsNoDecay("model.layers.0.input_layernorm.weight"));
        Assert.True(OptimizerFactory.IsNoDecay("score.bias"));
        Assert.False(OptimizerFactory.IsNoDecay("model.layers.0.self_attn.q_proj.weight"));

        using var scope = NewDisposeScope();
        using var model = nn.Sequential(("fc", nn.Linear(3, 3)), ("norm", nn.LayerNorm(3)));
        using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { WeightDecay = 0.1 });
        var groups = optimizer.ParamGroups.Cast<AdamW.ParamGroup>().ToList();
        Assert.Equal(0.1, groups[0].Options.weight_decay);
        Assert.Single(groups[0].Parameters);
        Assert.Equal(0.0, groups[1].Options.weight_decay);
        Assert.Equal(3, groups[1].Parameters.Count());
    }

    [Fact]
    public void A_fully_frozen_module_is_an_error_that_says_so()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Linear(2, 2);
        foreach (var p in model.parameters()) p.requires_grad = false;
        var ex = Assert.Throws<InvalidOperationException>(() => OptimizerFactory.CreateAdamW(model));
        Assert.Contains("requires_grad", ex.Message);
    }

    [Fact]
    public void Gradient_clipping_returns_the_norm_before_and_leaves_it_at_the_maximum()
    {
        using var scope = NewDisposeScope();
        var a = new Parameter(zeros(2));
        var b = new Parameter(zeros(1));
        var unused = new Parameter(zeros(1));
        (a * tensor(new float[] { 3, 0 })).sum().add((b * 4).sum()).backward(); // grads (3, 0) and (4): norm 5
        double norm = GradientClipping.ClipByGlobalNorm([a, b, unused], 1.0);
        Assert.Equal(5.0, norm, 1e-5);
        Assert.Equal(new[] { 0.6f, 0f }, a.grad!.data<float>().ToArray().Select(v => MathF.Round(v, 5)));
        Assert.Equal(0.8f, b.grad!.item<float>(), 1e-5f);
        Assert.Equal(0.0, GradientClipping.ClipByGlobalNorm([unused], 1.0));
    }

    [Fact]
    public void Gradient_accumulator_steps_every_n_micro_batches_and_scales_the_loss()
    {
        var acc = new GradientAccumulator(3);
        Assert.Equal(new[] { false, false, true, false, false, true }, Enumerable.Range(0, 6).Select(_ => acc.Advance()));
        using var scope = NewDisposeScope();
        Assert.Equal(2f, acc.Scale(tensor(6f)).item<float>());
    }
}
