using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// Builds the optimizers of the trainers: AdamW over the trainable parameters only, either the
/// <see cref="MultiTensorAdamW"/> the trainers use (a handful of kernels per step) or TorchSharp's per-parameter
/// <see cref="AdamW"/> (the reference it equals bit for bit).
/// </summary>
public static class OptimizerFactory
{
    /// <summary>
    /// <see cref="MultiTensorAdamW"/> over the parameters of <paramref name="module"/> that have <c>requires_grad</c>,
    /// grouped exactly as <see cref="CreateAdamW(nn.Module, AdamWSettings?)"/> groups them. The parameters become views
    /// of the optimizer's flat buffers (see <see cref="MultiTensorAdamW"/>).
    /// </summary>
    /// <param name="module">Any module.</param>
    /// <param name="settings">Hyper-parameters; null for the defaults.</param>
    /// <returns>The optimizer; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">The module has no trainable parameter.</exception>
    public static MultiTensorAdamW CreateMultiTensorAdamW(nn.Module module, AdamWSettings? settings = null)
    {
        settings ??= new AdamWSettings();
        return new MultiTensorAdamW(Groups(module, settings), settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay);
    }

    /// <summary><see cref="MultiTensorAdamW"/> over the given parameters that have <c>requires_grad</c>, in one group.</summary>
    /// <param name="parameters">The candidate parameters.</param>
    /// <param name="settings">Hyper-parameters; null for the defaults.</param>
    /// <returns>The optimizer; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">None of the parameters is trainable.</exception>
    public static MultiTensorAdamW CreateMultiTensorAdamW(IEnumerable<Parameter> parameters, AdamWSettings? settings = null)
    {
        settings ??= new AdamWSettings();
        var trainable = Trainable(parameters, settings);
        return new MultiTensorAdamW([new AdamW.ParamGroup(trainable, Options(settings, settings.WeightDecay))],
            settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay);
    }

    /// <summary>
    /// AdamW over the parameters of <paramref name="module"/> that have <c>requires_grad</c> (frozen base weights under
    /// LoRA are left out), with two groups when weight decay is on: decayed weights, and undecayed biases and norms.
    /// </summary>
    /// <param name="module">Any module.</param>
    /// <param name="settings">Hyper-parameters; null for the defaults.</param>
    /// <returns>The optimizer; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">The module has no trainable parameter.</exception>
    public static AdamW CreateAdamW(nn.Module module, AdamWSettings? settings = null)
    {
        settings ??= new AdamWSettings();
        return optim.AdamW(Groups(module, settings), settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay);
    }

    /// <summary>AdamW over the given parameters that have <c>requires_grad</c>, in one group.</summary>
    /// <param name="parameters">The candidate parameters.</param>
    /// <param name="settings">Hyper-parameters; null for the defaults.</param>
    /// <returns>The optimizer; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">None of the parameters is trainable.</exception>
    public static AdamW CreateAdamW(IEnumerable<Parameter> parameters, AdamWSettings? settings = null)
    {
        settings ??= new AdamWSettings();
        var trainable = Trainable(parameters, settings);
        return optim.AdamW(trainable, settings.LearningRate, settings.Beta1, settings.Beta2, settings.Epsilon, settings.WeightDecay);
    }

    /// <summary>Whether a parameter name is exempt from weight decay (biases and normalization weights).</summary>
    /// <param name="name">The state-dict name, for example <c>model.layers.0.input_layernorm.weight</c>.</param>
    /// <returns>True for biases and norms.</returns>
    public static bool IsNoDecay(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return name.EndsWith("bias", StringComparison.Ordinal) || name.Contains("norm", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The trainable parameters: one group without weight decay, else decayed weights then undecayed biases and norms.</summary>
    private static List<AdamW.ParamGroup> Groups(nn.Module module, AdamWSettings settings)
    {
        ArgumentNullException.ThrowIfNull(module);
        Validate(settings);
        var trainable = module.named_parameters().Where(p => p.parameter.requires_grad).ToList();
        if (trainable.Count == 0)
        {
            throw new InvalidOperationException(
                $"Module '{module.GetName()}' has no parameter with requires_grad = true; nothing to optimize (is everything frozen?).");
        }

        if (settings.WeightDecay == 0)
        {
            return [new AdamW.ParamGroup(trainable.Select(p => p.parameter).ToList(), Options(settings, 0))];
        }

        var decay = trainable.Where(p => !IsNoDecay(p.name)).Select(p => p.parameter).ToList();
        var noDecay = trainable.Where(p => IsNoDecay(p.name)).Select(p => p.parameter).ToList();
        var groups = new List<AdamW.ParamGroup>();
        if (decay.Count > 0) groups.Add(new AdamW.ParamGroup(decay, Options(settings, settings.WeightDecay)));
        if (noDecay.Count > 0) groups.Add(new AdamW.ParamGroup(noDecay, Options(settings, 0)));
        return groups;
    }

    private static List<Parameter> Trainable(IEnumerable<Parameter> parameters, AdamWSettings settings)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        Validate(settings);
        var trainable = parameters.Where(p => p.requires_grad).ToList();
        if (trainable.Count == 0)
        {
            throw new InvalidOperationException("None of the parameters has requires_grad = true; nothing to optimize.");
        }

        return trainable;
    }

    private static AdamW.Options Options(AdamWSettings s, double weightDecay)
    {
        Validate(s);
        return new AdamW.Options
        {
            LearningRate = s.LearningRate,
            InitialLearningRate = s.LearningRate,
            beta1 = s.Beta1,
            beta2 = s.Beta2,
            eps = s.Epsilon,
            weight_decay = weightDecay,
            amsgrad = false,
            maximize = false,
        };
    }

    private static void Validate(AdamWSettings s)
    {
        if (!(s.LearningRate > 0) || !double.IsFinite(s.LearningRate))
            throw new ArgumentOutOfRangeException(nameof(s), s.LearningRate, $"{nameof(AdamWSettings)}.{nameof(AdamWSettings.LearningRate)} must be positive.");
        if (!(s.Beta1 >= 0 && s.Beta1 < 1) || !(s.Beta2 >= 0 && s.Beta2 < 1))
            throw new ArgumentOutOfRangeException(nameof(s), (s.Beta1, s.Beta2), $"{nameof(AdamWSettings)} betas must lie in [0, 1).");
        if (!(s.Epsilon > 0))
            throw new ArgumentOutOfRangeException(nameof(s), s.Epsilon, $"{nameof(AdamWSettings)}.{nameof(AdamWSettings.Epsilon)} must be positive.");
        if (!(s.WeightDecay >= 0))
            throw new ArgumentOutOfRangeException(nameof(s), s.WeightDecay, $"{nameof(AdamWSettings)}.{nameof(AdamWSettings.WeightDecay)} must be ≥ 0.");
    }
}
