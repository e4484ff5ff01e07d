using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Lora;

/// <summary>
/// A frozen linear layer plus a trainable low-rank update, PEFT's <c>lora.Linear</c>:
/// <c>y = base_layer(x) + s · lora_B(lora_A(dropout(x)))</c>.
/// </summary>
/// <remarks>
/// <para>State-dict names are <c>base_layer.weight</c>, <c>base_layer.bias</c> (when the base has one),
/// <c>lora_A.weight</c> [r, in] and <c>lora_B.weight</c> [out, r], PEFT's names without the adapter name.</para>
/// <para>At construction A is drawn like PEFT's default (<c>kaiming_uniform_(a=√5)</c>, i.e. U(−1/√in, 1/√in)) and B is
/// zero, so the layer starts equal to its base. The base weights are frozen (<c>requires_grad = false</c>).</para>
/// <para><see cref="Enabled"/> switches the update off without touching any weight (the PPO reference policy);
/// <see cref="Merge"/> folds <c>s·B·A</c> into the base weight for faster inference and <see cref="Unmerge"/> takes it
/// out again. Not thread-safe. The layer owns the base layer it wraps and disposes it with itself.</para>
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's forward is lower-case by convention.")]
public sealed class LoraLinear : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "base_layer")]
    private readonly Linear _baseLayer;

    [ComponentName(Name = "lora_A")]
    private readonly Linear _loraA;

    [ComponentName(Name = "lora_B")]
    private readonly Linear _loraB;

    [ComponentName(Name = "lora_dropout")]
    private readonly Dropout? _dropout;

    /// <summary>Wraps <paramref name="baseLayer"/> with a rank-<c>r</c> adapter on the same device and dtype.</summary>
    /// <param name="baseLayer">The frozen layer; from now on owned by this module.</param>
    /// <param name="rank">r ≥ 1.</param>
    /// <param name="alpha">lora_alpha &gt; 0.</param>
    /// <param name="dropout">Dropout on the adapter input, in [0, 1).</param>
    /// <param name="useRsLora">Scale by alpha/√r instead of alpha/r.</param>
    /// <param name="generator">Draws A; null uses torch's global generator.</param>
    /// <exception cref="ArgumentException">A value is out of range.</exception>
    public LoraLinear(Linear baseLayer, int rank, double alpha, double dropout = 0, bool useRsLora = false, Generator? generator = null)
        : base("LoraLinear")
    {
        ArgumentNullException.ThrowIfNull(baseLayer);
        ArgumentOutOfRangeException.ThrowIfLessThan(rank, 1);
        if (!(alpha > 0) || !double.IsFinite(alpha)) throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "lora_alpha must be a positive number.");
        if (!(dropout >= 0 && dropout < 1)) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "lora_dropout must lie in [0, 1).");
        var weight = baseLayer.weight ?? throw new ArgumentException("The base layer has no weight.", nameof(baseLayer));
        InFeatures = weight.shape[1];
        OutFeatures = weight.shape[0];
        Rank = rank;
        Alpha = alpha;
        Scaling = useRsLora ? alpha / Math.Sqrt(rank) : alpha / rank;
        _baseLayer = baseLayer;
        _loraA = nn.Linear(InFeatures, rank, hasBias: false, weight.device, weight.dtype);
        _loraB = nn.Linear(rank, OutFeatures, hasBias: false, weight.device, weight.dtype);
        if (dropout > 0) _dropout = nn.Dropout(dropout);
        RegisterComponents();
        foreach (var p in _baseLayer.parameters()) p.requires_grad = false;
        ResetAdapter(generator);
    }

    /// <summary>Input features of the base layer.</summary>
    public long InFeatures { get; }

    /// <summary>Output features of the base layer.</summary>
    public long OutFeatures { get; }

    /// <summary>The rank r.</summary>
    public int Rank { get; }

    /// <summary>lora_alpha.</summary>
    public double Alpha { get; }

    /// <summary>The scaling s applied to B·A.</summary>
    public double Scaling { get; }

    /// <summary>Whether the update is applied in <see cref="forward"/> (default true). Cannot change while merged.</summary>
    /// <exception cref="InvalidOperationException">Set while <see cref="Merged"/>: unmerge first.</exception>
    public bool Enabled
    {
        get => _enabled;
        set
        {
            if (value == _enabled) return;
            if (Merged) throw new InvalidOperationException("The LoRA update is merged into the base weight; call Unmerge() before disabling the adapter.");
            _enabled = value;
        }
    }

    private bool _enabled = true;

    /// <summary>Whether <c>s·B·A</c> is currently folded into the base weight.</summary>
    public bool Merged { get; private set; }

    /// <summary>Whether <see cref="forward"/> would apply dropout to the adapter input now (dropout &gt; 0 in train mode).</summary>
    internal bool DropoutActive => _dropout is not null && _dropout.training && Enabled && !Merged;

    /// <summary>The frozen base layer.</summary>
    public Linear BaseLayer => _baseLayer;

    /// <summary>A [r, in] (<c>lora_A.weight</c>).</summary>
    public Parameter LoraA => _loraA.weight!;

    /// <summary>B [out, r] (<c>lora_B.weight</c>).</summary>
    public Parameter LoraB => _loraB.weight!;

    /// <summary>Re-draws A (U(−1/√in, 1/√in), PEFT's default) and zeroes B.</summary>
    /// <param name="generator">Draws A; null uses torch's global generator.</param>
    public void ResetAdapter(Generator? generator = null)
    {
        if (Merged) throw new InvalidOperationException("Unmerge the adapter before re-initializing it.");
        using var noGrad = no_grad();
        double bound = 1.0 / Math.Sqrt(InFeatures);
        using (var a = empty(LoraA.shape, ScalarType.Float32).uniform_(-bound, bound, generator))
        {
            LoraA.copy_(a);
        }

        LoraB.zero_();
    }

    /// <summary>The dense update <c>s·B·A</c> [out, in] in fp32 (a new tensor, no gradient).</summary>
    /// <returns>The update; the caller disposes it.</returns>
    public Tensor DeltaWeight()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var delta = matmul(LoraB.to(ScalarType.Float32), LoraA.to(ScalarType.Float32)).mul_(Scaling);
        return delta.MoveToOuterDisposeScope();
    }

    /// <summary>The base weight with the update folded in, in the base dtype (a new tensor): what <see cref="Merge"/> would write.</summary>
    /// <returns>The merged weight; the caller disposes it.</returns>
    public Tensor MergedWeight()
    {
        var weight = _baseLayer.weight!;
        if (Merged) return weight.detach().clone();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var merged = (weight.to(ScalarType.Float32) + DeltaWeight()).to(weight.dtype);
        return merged.MoveToOuterDisposeScope();
    }

    /// <summary>Adds <c>s·B·A</c> to the base weight; forward then runs the base layer alone. Idempotent.</summary>
    public void Merge()
    {
        if (Merged) return;
        if (!Enabled) throw new InvalidOperationException("The adapter is disabled; enable it before merging.");
        using var noGrad = no_grad();
        using var merged = MergedWeight();
        _baseLayer.weight!.copy_(merged);
        Merged = true;
    }

    /// <summary>Subtracts <c>s·B·A</c> from the base weight again. Idempotent.</summary>
    public void Unmerge()
    {
        if (!Merged) return;
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var weight = _baseLayer.weight!;
        weight.copy_((weight.to(ScalarType.Float32) - DeltaWeight()).to(weight.dtype));
        Merged = false;
    }

    /// <summary>Applies the layer.</summary>
    /// <param name="input">[..., in].</param>
    /// <returns>[..., out] (a new tensor).</returns>
    public override Tensor forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        if (!Enabled || Merged) return _baseLayer.forward(input);
        using var scope = NewDisposeScope();
        var x = _dropout is null ? input : _dropout.forward(input);
        var update = _loraB.forward(_loraA.forward(x));
        var result = _baseLayer.forward(input).add_(update, Scaling);
        return result.MoveToOuterDisposeScope();
    }
}
