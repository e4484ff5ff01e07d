using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>One pre-norm decoder block: <c>x + attn(norm(x))</c>, then <c>h + mlp(norm(h))</c>.</summary>
internal sealed class DecoderLayer : nn.Module
{
    [ComponentName(Name = "self_attn")]
    private readonly SelfAttention _selfAttn;

    [ComponentName(Name = "mlp")]
    private readonly SwiGluMlp _mlp;

    [ComponentName(Name = "input_layernorm")]
    private readonly RmsNorm _inputLayerNorm;

    [ComponentName(Name = "post_attention_layernorm")]
    private readonly RmsNorm _postAttentionLayerNorm;

    private readonly int _layer;

    public DecoderLayer(Checkpoints.DecoderConfig config, int layer, Device? device, ScalarType dtype) : base("DecoderLayer")
    {
        _layer = layer;
        _selfAttn = new SelfAttention(config, layer, device, dtype);
        _mlp = new SwiGluMlp(config.HiddenSize, config.IntermediateSize, config.MlpBias, device, dtype);
        _inputLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        _postAttentionLayerNorm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public SelfAttention SelfAttn => _selfAttn;

    public SwiGluMlp Mlp => _mlp;

    public Tensor Forward(Tensor x, AttentionContext ctx)
    {
        using var scope = NewDisposeScope();
        var h = x + _selfAttn.Forward(_inputLayerNorm.forward(x), ctx);
        return (h + _mlp.Forward(_postAttentionLayerNorm.forward(h), ctx.Fused, _layer)).MoveToOuterDisposeScope();
    }
}
