using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// Root-mean-square layer norm as in Qwen2/Llama: <c>weight * (x / sqrt(mean(x²) + eps))</c>, with the
/// normalisation computed in fp32 and cast back to the input dtype before the weight is applied.
/// </summary>
internal sealed class RmsNorm : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "weight")]
    private readonly Parameter _weight;
    private readonly double _eps;

    public RmsNorm(long size, double eps, Device? device, ScalarType dtype) : base("RmsNorm")
    {
        _eps = eps;
        _weight = new Parameter(ones(size, dtype: dtype, device: device));
        RegisterComponents();
    }

    public Parameter Weight => _weight;

    public override Tensor forward(Tensor input)
    {
        using var scope = NewDisposeScope();
        var inputType = input.dtype;
        var h = inputType == ScalarType.Float32 ? input : input.to(ScalarType.Float32);
        var variance = h.pow(2).mean([-1L], keepdim: true);
        h = h * rsqrt(variance + _eps);
        if (inputType != ScalarType.Float32) h = h.to(inputType);
        return (_weight * h).MoveToOuterDisposeScope();
    }
}
