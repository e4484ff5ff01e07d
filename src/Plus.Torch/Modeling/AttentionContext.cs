using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>Per-forward inputs shared by every layer: rotary tables, the attention mask and the cache slot.</summary>
/// <param name="Cos">Rotary cosines [B, T, 1, headDim] in the model dtype.</param>
/// <param name="SinSigned">Rotary sines with the first half negated [B, T, 1, headDim] (so <c>rotate_half(x)·sin = roll(x)·SinSigned</c>).</param>
/// <param name="Mask">Boolean attention mask (true = attend), broadcastable to [B, kvHeads, groups·T, S].</param>
/// <param name="Cache">The KV cache, or null for a cache-free forward.</param>
/// <param name="Past">Tokens already in the cache before this forward.</param>
/// <param name="Fused">Concatenated q/k/v and gate/up weights for inference, or null.</param>
internal sealed record AttentionContext(Tensor Cos, Tensor SinSigned, Tensor Mask, KvCache? Cache, int Past, FusedProjections? Fused = null);
