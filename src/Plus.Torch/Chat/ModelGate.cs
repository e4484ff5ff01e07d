using System.Runtime.CompilerServices;
using Plus.Torch.Modeling;

namespace Plus.Torch.Chat;

/// <summary>
/// One lock per <see cref="CausalLM"/> instance, shared by every <see cref="TextGenerator"/> (and so every chat client
/// and summarizer) over that model: generations on one model run one at a time.
/// </summary>
internal static class ModelGate
{
    private static readonly ConditionalWeakTable<CausalLM, SemaphoreSlim> Gates = new();

    public static SemaphoreSlim For(CausalLM model) => Gates.GetValue(model, static _ => new SemaphoreSlim(1, 1));
}
