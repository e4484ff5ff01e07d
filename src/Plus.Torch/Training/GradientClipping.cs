using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>Gradient clipping by global L2 norm (<c>torch.nn.utils.clip_grad_norm_</c>; the paper clips at 1.0).</summary>
public static class GradientClipping
{
    /// <summary>Scales all gradients so that their global L2 norm is at most <paramref name="maxNorm"/>.</summary>
    /// <param name="parameters">The parameters; those without a gradient are skipped.</param>
    /// <param name="maxNorm">The largest norm allowed, &gt; 0.</param>
    /// <returns>The global norm before clipping (0 when no parameter has a gradient). A non-finite value means the
    /// gradients are NaN/∞: do not take the optimizer step (see <see cref="LossGuard"/>).</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxNorm"/> is not positive.</exception>
    public static double ClipByGlobalNorm(IEnumerable<Parameter> parameters, double maxNorm = 1.0)
    {
        ArgumentNullException.ThrowIfNull(parameters);
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "The maximum gradient norm must be positive.");
        var withGrad = parameters.Where(p => p.grad is not null).ToList();
        if (withGrad.Count == 0) return 0;
        return nn.utils.clip_grad_norm_(withGrad, maxNorm, 2.0);
    }
}
