using TorchSharp;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>The gated MLP of Qwen2/Llama: <c>down_proj(silu(gate_proj(x)) * up_proj(x))</c>.</summary>
internal sealed class SwiGluMlp : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "gate_proj")]
    private nn.Module<Tensor, Tensor> _gateProj;

    [ComponentName(Name = "up_proj")]
    private nn.Module<Tensor, Tensor> _upProj;

    [ComponentName(Name = "down_proj")]
    private nn.Module<Tensor, Tensor> _downProj;

    public SwiGluMlp(long hidden, long intermediate, bool bias, Device? device, ScalarType dtype) : base("SwiGluMlp")
    {
        _gateProj = nn.Linear(hidden, intermediate, bias, device, dtype);
        _upProj = nn.Linear(hidden, intermediate, bias, device, dtype);
        _downProj = nn.Linear(intermediate, hidden, bias, device, dtype);
        RegisterComponents();
    }

    public static IReadOnlyList<string> ProjectionNames { get; } = ["gate_proj", "up_proj", "down_proj"];

    public nn.Module<Tensor, Tensor> GetProjection(string name) => name switch
    {
        "gate_proj" => _gateProj,
        "up_proj" => _upProj,
        "down_proj" => _downProj,
        _ => throw new ArgumentException($"Unknown MLP projection '{name}'.", nameof(name)),
    };

    public nn.Module<Tensor, Tensor> SetProjection(string name, nn.Module<Tensor, Tensor> replacement)
    {
        var old = GetProjection(name);
        switch (name)
        {
            case "gate_proj": _gateProj = replacement; break;
            case "up_proj": _upProj = replacement; break;
            default: _downProj = replacement; break;
        }

        ModuleSlots.Reregister(this, name, replacement);
        return old;
    }

    /// <summary>The MLP with gate and up as one matmul (<paramref name="fused"/> holds their concatenated weights).</summary>
    public Tensor Forward(Tensor input, FusedProjections? fused, int layer)
    {
        if (fused is null) return forward(input);
        using var scope = NewDisposeScope();
        var gateUp = fused.GateUp[layer].Forward(input);
        long width = gateUp.shape[^1] / 2;
        var gate = nn.functional.silu(gateUp.narrow(-1, 0, width));
        return _downProj.forward(gate * gateUp.narrow(-1, width, width)).MoveToOuterDisposeScope();
    }

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var gate = nn.functional.silu(_gateProj.forward(input));
        return _downProj.forward(gate * _upProj.forward(input)).MoveToOuterDisposeScope();
    }
}
