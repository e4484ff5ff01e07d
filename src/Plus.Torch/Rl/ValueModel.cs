using Plus.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Rl;

/// <summary>
/// The PPO critic: a decoder backbone with a per-token scalar head (<c>value_head</c>, no bias, as OpenRLHF names it).
/// V(s<sub>t</sub>) is read from the hidden state of token t, i.e. the state after the prefix ending at t.
/// </summary>
/// <remarks>
/// Owns its backbone and head and disposes them. Not thread-safe. Values are computed in fp32.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's forward is lower-case by convention; Forward is the full-featured entry point.")]
public sealed class ValueModel : nn.Module<Tensor, Tensor>
{
    private readonly CausalLM _backbone;
    private readonly Linear value_head;

    /// <summary>Creates a critic over <paramref name="backbone"/> (taken over: this model disposes it).</summary>
    /// <param name="backbone">The decoder whose last hidden states feed the head.</param>
    /// <param name="headWeight">Optional initial head weight [1, hidden] (for example a reward model's score head); zeros otherwise.</param>
    public ValueModel(CausalLM backbone, Tensor? headWeight = null) : base("ValueModel")
    {
        ArgumentNullException.ThrowIfNull(backbone);
        _backbone = backbone;
        int hidden = backbone.Config.HiddenSize;
        value_head = nn.Linear(hidden, 1, hasBias: false, device: backbone.Device, dtype: backbone.DType);
        using (no_grad())
        {
            if (headWeight is null)
            {
                value_head.weight!.zero_();
            }
            else
            {
                if (headWeight.shape.Length != 2 || headWeight.shape[0] != 1 || headWeight.shape[1] != hidden)
                    throw new ArgumentException($"The value head weight must be [1, {hidden}], got [{string.Join(", ", headWeight.shape)}].", nameof(headWeight));
                value_head.weight!.copy_(headWeight);
            }
        }

        register_module("model", _backbone);
        register_module("value_head", value_head);
    }

    /// <summary>
    /// A critic initialised as OpenRLHF does: from the reward model (its backbone with any LoRA folded in, and its
    /// score head as the value head). The copy is independent and fully trainable.
    /// </summary>
    /// <param name="rewardModel">The reward model to copy.</param>
    /// <returns>The critic; the caller disposes it.</returns>
    public static ValueModel FromRewardModel(Plus.Torch.Reward.RewardModel rewardModel)
    {
        ArgumentNullException.ThrowIfNull(rewardModel);
        var backbone = new CausalLM(rewardModel.Backbone.Config with { TieWordEmbeddings = true }, rewardModel.Device, rewardModel.DType);
        try
        {
            using var scope = NewDisposeScope();
            var source = rewardModel.HfStateDict().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            using var noGrad = no_grad();
            foreach (var (name, param) in backbone.named_parameters())
            {
                if (!source.TryGetValue(name, out var value))
                    throw new InvalidOperationException($"The reward model has no tensor '{name}' to initialise the critic from.");
                param.copy_(value);
            }

            return new ValueModel(backbone, rewardModel.ScoreWeight.detach());
        }
        catch
        {
            backbone.Dispose();
            throw;
        }
    }

    /// <summary>The backbone.</summary>
    public CausalLM Backbone => _backbone;

    /// <summary>Per-token values [B, T] (fp32) for input ids [B, T] with optional attention mask and position ids.</summary>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds = null)
    {
        using var scope = NewDisposeScope();
        var hidden = _backbone.ForwardHidden(inputIds, attentionMask, positionIds);
        var values = value_head.forward(hidden).squeeze(-1).to_type(ScalarType.Float32);
        return values.MoveToOuterDisposeScope();
    }

    /// <inheritdoc />
    public override Tensor forward(Tensor input) => Forward(input, null);

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            value_head.Dispose();
            _backbone.Dispose();
        }

        base.Dispose(disposing);
    }
}
