using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// Inference-only concatenated copies of each layer's q/k/v and gate/up weights, so a decode step runs one
/// matrix multiply where it would run three (or two). Built from the current parameters for the duration of one
/// generation (training updates between generations are picked up); unavailable once a projection has been
/// replaced by a wrapper such as LoRA.
/// </summary>
internal sealed class FusedProjections : IDisposable
{
    private FusedProjections(Tensor[] qkv, Tensor?[] qkvBias, Tensor[] gateUp, Tensor?[] gateUpBias)
    {
        Qkv = qkv;
        QkvBias = qkvBias;
        GateUp = gateUp;
        GateUpBias = gateUpBias;
    }

    public Tensor[] Qkv { get; }

    public Tensor?[] QkvBias { get; }

    public Tensor[] GateUp { get; }

    public Tensor?[] GateUpBias { get; }

    /// <summary>Builds the fused weights when every projection is a plain <see cref="Linear"/>; otherwise null.</summary>
    public static FusedProjections? TryCreate(IReadOnlyList<DecoderLayer> layers)
    {
        foreach (var layer in layers)
        {
            foreach (var n in SelfAttention.ProjectionNames) if (layer.SelfAttn.GetProjection(n) is not Linear) return null;
            foreach (var n in SwiGluMlp.ProjectionNames) if (layer.Mlp.GetProjection(n) is not Linear) return null;
        }

        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int count = layers.Count;
        var qkv = new Tensor[count];
        var qkvBias = new Tensor?[count];
        var gateUp = new Tensor[count];
        var gateUpBias = new Tensor?[count];
        for (int i = 0; i < count; i++)
        {
            var q = (Linear)layers[i].SelfAttn.GetProjection("q_proj");
            var k = (Linear)layers[i].SelfAttn.GetProjection("k_proj");
            var v = (Linear)layers[i].SelfAttn.GetProjection("v_proj");
            var g = (Linear)layers[i].Mlp.GetProjection("gate_proj");
            var u = (Linear)layers[i].Mlp.GetProjection("up_proj");
            qkv[i] = scope.Detach(cat([q.weight!, k.weight!, v.weight!], 0));
            if (q.bias is not null && k.bias is not null && v.bias is not null) qkvBias[i] = scope.Detach(cat([q.bias, k.bias, v.bias], 0));
            gateUp[i] = scope.Detach(cat([g.weight!, u.weight!], 0));
            if (g.bias is not null && u.bias is not null) gateUpBias[i] = scope.Detach(cat([g.bias, u.bias], 0));
        }

        return new FusedProjections(qkv, qkvBias, gateUp, gateUpBias);
    }

    public void Dispose()
    {
        foreach (var t in Qkv) t.Dispose();
        foreach (var t in QkvBias) t?.Dispose();
        foreach (var t in GateUp) t.Dispose();
        foreach (var t in GateUpBias) t?.Dispose();
    }
}
