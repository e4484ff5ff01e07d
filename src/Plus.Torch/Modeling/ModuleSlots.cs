using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>Re-registers a child module under an existing name, so the state dict keeps the HF path.</summary>
internal static class ModuleSlots
{
    public static void Reregister(nn.Module owner, string name, nn.Module replacement)
    {
        owner.register_module(name, null!);
        owner.register_module(name, replacement);
    }
}
