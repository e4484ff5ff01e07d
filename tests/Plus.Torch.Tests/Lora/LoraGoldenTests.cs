using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Lora;

/// <summary>The PEFT golden adapter (r 4, alpha 8, every projection, non-zero A and B) on tiny-qwen2.</summary>
public class LoraGoldenTests
{
    private const string Base = "tiny-qwen2";
    private const string Adapter = "tiny-qwen2-lora";

    [Fact]
    public void Peft_adapter_logits_match_transformers_within_1e4()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        var adapter = LoraAdapter.Load(model, GoldenFixtures.Dir(Adapter));
        var (ids, mask, positions) = Inputs();
        var expected = GoldenFixtures.Expected(Adapter, "logits_with_adapter");

        using var noGrad = no_grad();
        var logits = model.Forward(ids, mask, positions);

        Assert.Equal(14, adapter.Layers.Count);
        Assert.Equal(4, adapter.Settings.Rank);
        Assert.Equal(2.0, adapter.Layers[0].Value.Scaling);
        float diff = GoldenFixtures.MaxAbsDiffAtAttended(logits, expected, mask);
        Assert.True(diff <= 1e-4f, $"max |Δ| with adapter = {diff}");
    }

    [Fact]
    public void Disabled_adapter_gives_the_base_logits_within_1e4()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        var adapter = LoraAdapter.Load(model, GoldenFixtures.Dir(Adapter));
        var (ids, mask, positions) = Inputs();
        var expectedDisabled = GoldenFixtures.Expected(Adapter, "logits_adapter_disabled");
        var expectedEnabled = GoldenFixtures.Expected(Adapter, "logits_with_adapter");

        using var noGrad = no_grad();
        Tensor disabled;
        using (adapter.DisableAdapter())
        {
            Assert.False(adapter.Enabled);
            disabled = model.Forward(ids, mask, positions);
        }

        Assert.True(adapter.Enabled);
        var enabledAgain = model.Forward(ids, mask, positions);
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(disabled, expectedDisabled, mask) <= 1e-4f);
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(enabledAgain, expectedEnabled, mask) <= 1e-4f);
        // The adapter must change something, or the two checks above prove nothing.
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(disabled, enabledAgain, mask) > 1e-2f);
    }

    [Fact]
    public void Merged_weights_give_the_unmerged_logits_and_unmerge_restores_the_base()
    {
        using var scope = NewDisposeScope();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        var adapter = LoraAdapter.Load(model, GoldenFixtures.Dir(Adapter));
        var (ids, mask, positions) = Inputs();
        var q = adapter.Layers[0].Value;
        var baseBefore = q.BaseLayer.weight!.clone();

        using var noGrad = no_grad();
        var unmerged = model.Forward(ids, mask, positions);
        adapter.Merge();
        Assert.True(adapter.Merged);
        var merged = model.Forward(ids, mask, positions);
        Assert.Throws<InvalidOperationException>(() => adapter.Enabled = false);
        adapter.Unmerge();
        var again = model.Forward(ids, mask, positions);

        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(merged, unmerged, mask) <= 1e-4f);
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(again, unmerged, mask) <= 1e-5f);
        Assert.True((q.BaseLayer.weight! - baseBefore).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void Merged_pretrained_export_opens_as_a_plain_model_with_the_adapter_logits()
    {
        using var scope = NewDisposeScope();
        using var dir = new Checkpoints.TempDir();
        using var model = CausalLM.FromPretrained(GoldenFixtures.Dir(Base));
        var adapter = LoraAdapter.Load(model, GoldenFixtures.Dir(Adapter));
        adapter.SaveMergedPretrained(dir.Path);
        using var plain = CausalLM.FromPretrained(dir.Path);
        var (ids, mask, positions) = Inputs();

        using var noGrad = no_grad();
        var logits = plain.Forward(ids, mask, positions);
        var expected = GoldenFixtures.Expected(Adapter, "logits_with_adapter");
        Assert.True(GoldenFixtures.MaxAbsDiffAtAttended(logits, expected, mask) <= 1e-4f);
        Assert.DoesNotContain(plain.state_dict().Keys, k => k.Contains("lora_", StringComparison.Ordinal) || k.Contains("base_layer", StringComparison.Ordinal));
    }

    private static (Tensor Ids, Tensor Mask, Tensor Positions) Inputs() => (
        GoldenFixtures.Expected(Adapter, "input_ids"),
        GoldenFixtures.Expected(Adapter, "attention_mask"),
        GoldenFixtures.Expected(Adapter, "position_ids"));
}
