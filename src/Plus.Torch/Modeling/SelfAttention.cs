using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// Grouped-query self-attention with rotary embeddings (HF rotate_half convention) through
/// <c>scaled_dot_product_attention</c>. Query heads that share a key/value head are folded into the query length,
/// so keys and values are never repeated.
/// </summary>
internal sealed class SelfAttention : nn.Module
{
    [ComponentName(Name = "q_proj")]
    private nn.Module<Tensor, Tensor> _qProj;

    [ComponentName(Name = "k_proj")]
    private nn.Module<Tensor, Tensor> _kProj;

    [ComponentName(Name = "v_proj")]
    private nn.Module<Tensor, Tensor> _vProj;

    [ComponentName(Name = "o_proj")]
    private nn.Module<Tensor, Tensor> _oProj;

    private readonly long _heads;
    private readonly long _kvHeads;
    private readonly long _headDim;
    private readonly long _groups;
    private readonly int _layer;

    public SelfAttention(Checkpoints.DecoderConfig config, int layer, Device? device, ScalarType dtype) : base("SelfAttention")
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        _groups = _heads / _kvHeads;
        _layer = layer;
        long h = config.HiddenSize;
        _qProj = nn.Linear(h, _heads * _headDim, config.QkvBias, device, dtype);
        _kProj = nn.Linear(h, _kvHeads * _headDim, config.QkvBias, device, dtype);
        _vProj = nn.Linear(h, _kvHeads * _headDim, config.QkvBias, device, dtype);
        _oProj = nn.Linear(_heads * _headDim, h, config.OutputProjectionBias, device, dtype);
        RegisterComponents();
    }

    public static IReadOnlyList<string> ProjectionNames { get; } = ["q_proj", "k_proj", "v_proj", "o_proj"];

    public nn.Module<Tensor, Tensor> GetProjection(string name) => name switch
    {
        "q_proj" => _qProj,
        "k_proj" => _kProj,
        "v_proj" => _vProj,
        "o_proj" => _oProj,
        _ => throw new ArgumentException($"Unknown attention projection '{name}'.", nameof(name)),
    };

    public nn.Module<Tensor, Tensor> SetProjection(string name, nn.Module<Tensor, Tensor> replacement)
    {
        var old = GetProjection(name);
        switch (name)
        {
            case "q_proj": _qProj = replacement; break;
            case "k_proj": _kProj = replacement; break;
            case "v_proj": _vProj = replacement; break;
            default: _oProj = replacement; break;
        }

        ModuleSlots.Reregister(this, name, replacement);
        return old;
    }

    /// <summary>x [B, T, hidden] → [B, T, hidden].</summary>
    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = NewDisposeScope();
        long b = x.shape[0], t = x.shape[1];
        Tensor q, k, v;
        if (ctx.Fused is { } fused)
        {
            // One matmul for q, k and v; rotary on the q and k heads together.
            var heads = fused.Qkv[_layer].Forward(x).view(b, t, _heads + 2 * _kvHeads, _headDim);
            var rotated = ApplyRotary(heads.narrow(2, 0, _heads + _kvHeads), ctx);
            q = rotated.narrow(2, 0, _heads);
            k = rotated.narrow(2, _heads, _kvHeads).transpose(1, 2);
            v = heads.narrow(2, _heads + _kvHeads, _kvHeads).transpose(1, 2);
        }
        else
        {
            q = ApplyRotary(_qProj.forward(x).view(b, t, _heads, _headDim), ctx);
            k = ApplyRotary(_kProj.forward(x).view(b, t, _kvHeads, _headDim), ctx).transpose(1, 2);
            v = _vProj.forward(x).view(b, t, _kvHeads, _headDim).transpose(1, 2);
        }

        if (ctx.Cache is { } cache)
        {
            (k, v) = cache.Write(_layer, ctx.Past, k, v);
        }

        // Fold the query heads of each group into the query length: [B, kvHeads, groups*T, D].
        var qg = t == 1
            ? q.view(b, _kvHeads, _groups, _headDim)
            : q.view(b, t, _kvHeads, _groups, _headDim).permute(0, 2, 3, 1, 4).reshape(b, _kvHeads, _groups * t, _headDim);
        var o = nn.functional.scaled_dot_product_attention(qg, k, v, ctx.Mask);
        o = t == 1
            ? o.reshape(b, 1, _heads * _headDim)
            : o.view(b, _kvHeads, _groups, t, _headDim).permute(0, 3, 1, 2, 4).reshape(b, t, _heads * _headDim);
        return _oProj.forward(o).MoveToOuterDisposeScope();
    }

    private Tensor ApplyRotary(Tensor x, AttentionContext ctx) =>
        addcmul(x * ctx.Cos, x.roll(_headDim / 2, -1), ctx.SinSigned, 1);
}
