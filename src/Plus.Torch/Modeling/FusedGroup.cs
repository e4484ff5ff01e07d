using Plus.Torch.Lora;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// Several projections that read the same input, as one product: <c>x·Wᵀ + b</c> over the concatenated base weights,
/// plus, when some of them carry an enabled LoRA adapter, <c>s · (x·Aᵀ)·Bᵀ</c> with the A matrices stacked and the B
/// matrices on a block diagonal (see <see cref="FusedProjections"/>). Inference only: the tensors are detached copies.
/// </summary>
internal sealed class FusedGroup : IDisposable
{
    private FusedGroup(Tensor weight, Tensor? bias, Tensor? loraA, Tensor? loraB, double scaling)
    {
        Weight = weight;
        Bias = bias;
        LoraA = loraA;
        LoraB = loraB;
        Scaling = scaling;
    }

    /// <summary>The base weights [Σout, in].</summary>
    public Tensor Weight { get; }

    /// <summary>The base biases [Σout], or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>The stacked adapter A matrices [Σr, in], or null without an adapter.</summary>
    public Tensor? LoraA { get; }

    /// <summary>The adapter B matrices on a block diagonal [Σout, Σr], or null.</summary>
    public Tensor? LoraB { get; }

    /// <summary>The adapters' common scaling s.</summary>
    public double Scaling { get; }

    /// <summary>Concatenates the modules (plain <see cref="Linear"/> or <see cref="LoraLinear"/>, checked by the caller).</summary>
    public static FusedGroup Create(IReadOnlyList<nn.Module<Tensor, Tensor>> modules)
    {
        using var scope = NewDisposeScope();
        var bases = new Linear[modules.Count];
        var adapters = new LoraLinear?[modules.Count];
        for (int i = 0; i < modules.Count; i++)
        {
            if (modules[i] is LoraLinear lora)
            {
                bases[i] = lora.BaseLayer;
                adapters[i] = lora.Enabled && !lora.Merged ? lora : null;
            }
            else
            {
                bases[i] = (Linear)modules[i];
            }
        }

        var weight = cat([.. bases.Select(b => b.weight!)], 0);
        var bias = bases.All(b => b.bias is not null) ? cat([.. bases.Select(b => b.bias!)], 0) : null;
        Tensor? loraA = null, loraB = null;
        double scaling = 0;
        if (adapters.Any(a => a is not null))
        {
            var active = adapters.Where(a => a is not null).Select(a => a!).ToList();
            scaling = active[0].Scaling;
            loraA = cat([.. active.Select(a => a.LoraA)], 0);
            long rows = weight.shape[0], ranks = loraA.shape[0];
            loraB = zeros([rows, ranks], weight.dtype, weight.device);
            long row = 0, col = 0;
            for (int i = 0; i < modules.Count; i++)
            {
                long outFeatures = bases[i].weight!.shape[0];
                if (adapters[i] is { } a)
                {
                    loraB.narrow(0, row, outFeatures).narrow(1, col, a.Rank).copy_(a.LoraB);
                    col += a.Rank;
                }

                row += outFeatures;
            }
        }

        scope.Detach(weight);
        if (bias is not null) scope.Detach(bias);
        if (loraA is not null) scope.Detach(loraA, loraB!);
        return new FusedGroup(weight, bias, loraA, loraB, scaling);
    }

    /// <summary>x [..., in] → [..., Σout].</summary>
    public Tensor Forward(Tensor x)
    {
        var y = nn.functional.linear(x, Weight, Bias);
        if (LoraA is null) return y;
        using var scope = NewDisposeScope();
        var update = nn.functional.linear(nn.functional.linear(x, LoraA), LoraB!);
        y.add_(update, Scaling);
        return y;
    }

    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
        LoraA?.Dispose();
        LoraB?.Dispose();
    }
}
