using Plus.Torch.Persistence;

namespace Plus.Baselines.Persistence;

/// <summary>
/// Opens any saved model of the seven methods by its manifest's <c>reward_model.format</c>: <c>dpl-mean-variance</c>
/// and <c>dpl-categorical</c> (<see cref="DplTrainedModel"/>), <c>vpl</c> (<see cref="VplTrainedModel"/>), everything
/// else through Plus.Torch's <see cref="TrainedModel.Load"/> (BTL, ICL, Oracle, PLUS-untrained, PLUS).
/// </summary>
public static class TrainedModels
{
    /// <summary>Opens a saved model folder.</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="options">Device, dtype, base-model location, sampling overrides; null for the defaults (CPU, fp32).</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="TrainedModelException">No manifest, an unknown format, or a missing or altered file; the message names the file.</exception>
    public static ITrainedPreferenceModel Load(string directory, TrainedModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var (_, manifestPath, manifest, _) = TrainedModelStore.ReadManifest(directory, new TrainedModelLoadOptions { VerifyFiles = false });
        return manifest.RewardModel.Format switch
        {
            DplTrainedModel.MeanVarianceFormat or DplTrainedModel.CategoricalFormat => DplTrainedModel.Load(directory, options),
            VplTrainedModel.Format => VplTrainedModel.Load(directory, options),
            var f when TrainedModelStore.CoreRewardFormats.Contains(f) => TrainedModel.Load(directory, options),
            var f => throw new TrainedModelException(
                $"'{manifestPath}': reward_model.format '{f}' is not known (known: {string.Join(", ", TrainedModelStore.CoreRewardFormats)}, {DplTrainedModel.MeanVarianceFormat}, {DplTrainedModel.CategoricalFormat}, {VplTrainedModel.Format}).",
                manifestPath),
        };
    }
}
