using Plus.Torch.Checkpoints;

namespace Plus.Torch.Tests.Modeling;

/// <summary>Small configs for tests that build random models.</summary>
internal static class TinyConfigs
{
    public static DecoderConfig Qwen2() => new()
    {
        ModelType = "qwen2",
        HiddenSize = 32,
        IntermediateSize = 64,
        NumHiddenLayers = 2,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = 8,
        VocabSize = 50,
        RmsNormEps = 1e-6,
        RopeTheta = 10000,
        TieWordEmbeddings = true,
        QkvBias = true,
        MaxPositionEmbeddings = 128,
        EosTokenIds = [2],
        PadTokenId = 0,
    };
}
