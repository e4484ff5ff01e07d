using Plus.Torch.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// Inference-only concatenated copies of each layer's q/k/v and gate/up weights, so a decode step runs one
/// matrix multiply where it would run three (or two). Built from the current parameters for the duration of one
/// generation (training updates between generations are picked up).
/// </summary>
/// <remarks>
/// Under LoRA the frozen base weights are concatenated the same way and the adapters too: the A matrices stacked
/// ([Σr, in]) and the B matrices placed on a block diagonal ([Σout, Σr]), so a group costs three matrix multiplies
/// instead of three per projection, and the update is still added after the base product with the adapter's
/// scaling, as <see cref="LoraLinear.forward"/> does (the off-diagonal blocks are exact zeros). A disabled or merged
/// adapter counts as its base layer. Unavailable (null) when a slot holds any other module, when a group mixes
/// projections with and without bias, when the adapters of a group differ in scaling, or while LoRA dropout is
/// active (train mode), since the fused path applies no dropout.
/// </remarks>
internal sealed class FusedProjections : IDisposable
{
    private static readonly string[] QkvNames = ["q_proj", "k_proj", "v_proj"];
    private static readonly string[] GateUpNames = ["gate_proj", "up_proj"];

    private FusedProjections(FusedGroup[] qkv, FusedGroup[] gateUp)
    {
        Qkv = qkv;
        GateUp = gateUp;
    }

    /// <summary>Per layer: q, k and v as one product ([B, T, (heads + 2·kvHeads)·headDim]).</summary>
    public FusedGroup[] Qkv { get; }

    /// <summary>Per layer: gate and up as one product ([B, T, 2·intermediate]).</summary>
    public FusedGroup[] GateUp { get; }

    /// <summary>Whether any group carries a LoRA update.</summary>
    public bool HasAdapters => Qkv.Any(g => g.LoraA is not null) || GateUp.Any(g => g.LoraA is not null);

    /// <summary>Builds the fused weights when every q/k/v and gate/up slot can be fused (see the remarks); otherwise null.</summary>
    public static FusedProjections? TryCreate(IReadOnlyList<DecoderLayer> layers)
    {
        var qkvModules = new nn.Module<Tensor, Tensor>[layers.Count][];
        var gateUpModules = new nn.Module<Tensor, Tensor>[layers.Count][];
        for (int i = 0; i < layers.Count; i++)
        {
            qkvModules[i] = [.. QkvNames.Select(layers[i].SelfAttn.GetProjection)];
            gateUpModules[i] = [.. GateUpNames.Select(layers[i].Mlp.GetProjection)];
            if (!CanFuse(qkvModules[i]) || !CanFuse(gateUpModules[i])) return null;
        }

        using var noGrad = no_grad();
        var qkv = new FusedGroup[layers.Count];
        var gateUp = new FusedGroup[layers.Count];
        try
        {
            for (int i = 0; i < layers.Count; i++)
            {
                qkv[i] = FusedGroup.Create(qkvModules[i]);
                gateUp[i] = FusedGroup.Create(gateUpModules[i]);
            }
        }
        catch
        {
            foreach (var g in qkv) g?.Dispose();
            foreach (var g in gateUp) g?.Dispose();
            throw;
        }

        return new FusedProjections(qkv, gateUp);
    }

    public void Dispose()
    {
        foreach (var g in Qkv) g.Dispose();
        foreach (var g in GateUp) g.Dispose();
    }

    private static bool CanFuse(nn.Module<Tensor, Tensor>[] modules)
    {
        double? scaling = null;
        int withBias = 0;
        foreach (var module in modules)
        {
            Linear baseLayer;
            if (module is Linear linear)
            {
                baseLayer = linear;
            }
            else if (module is LoraLinear lora)
            {
                if (lora.DropoutActive) return false;
                baseLayer = lora.BaseLayer;
                if (lora.Enabled && !lora.Merged)
                {
                    if (scaling is { } s && s != lora.Scaling) return false;
                    scaling = lora.Scaling;
                }
            }
            else
            {
                return false;
            }

            if (baseLayer.bias is not null) withBias++;
        }

        return withBias == 0 || withBias == modules.Length;
    }
}
