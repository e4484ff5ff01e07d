using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>The <c>model.*</c> part of a causal LM: embeddings, decoder layers and the final norm.</summary>
internal sealed class DecoderBackbone : nn.Module
{
    [ComponentName(Name = "embed_tokens")]
    private readonly Embedding _embedTokens;

    [ComponentName(Name = "layers")]
    private readonly ModuleList<DecoderLayer> _layers;

    [ComponentName(Name = "norm")]
    private readonly RmsNorm _norm;

    public DecoderBackbone(Checkpoints.DecoderConfig config, Device? device, ScalarType dtype) : base("DecoderBackbone")
    {
        _embedTokens = nn.Embedding(config.VocabSize, config.HiddenSize, device: device, dtype: dtype);
        var layers = new DecoderLayer[config.NumHiddenLayers];
        for (int i = 0; i < layers.Length; i++) layers[i] = new DecoderLayer(config, i, device, dtype);
        _layers = nn.ModuleList(layers);
        _norm = new RmsNorm(config.HiddenSize, config.RmsNormEps, device, dtype);
        RegisterComponents();
    }

    public Embedding EmbedTokens => _embedTokens;

    public ModuleList<DecoderLayer> Layers => _layers;

    public RmsNorm Norm => _norm;
}
