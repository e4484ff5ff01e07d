using System.Globalization;
using System.Text.Json.Nodes;
using Plus.Baselines.Common;
using Plus.Baselines.Dpl;
using Plus.Torch.Checkpoints;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Baselines.Persistence;

/// <summary>
/// A trained DPL model: <see cref="DplRewardModel"/> (backbone + multi-output head) with its training record, saved in
/// the common trained-model layout (<c>plus.json</c>, <c>reward_model/</c> as written by
/// <see cref="TrainedModelStore.WriteRewardModel"/>, plus <c>reward_model/dpl_head.safetensors</c>) with
/// <c>reward_model.format</c> <c>dpl-mean-variance</c> or <c>dpl-categorical</c>.
/// </summary>
/// <remarks>
/// <see cref="PredictChosenProbabilitiesAsync"/> returns DPL's own probability (<see cref="DplMath.ChosenProbability"/>),
/// not σ of the reward difference; <see cref="PredictWithUncertaintyAsync"/> adds both responses' σ or atom
/// distribution. The base model's scalar head is saved with the backbone but never used. Disposing frees what the
/// instance owns.
/// </remarks>
public sealed class DplTrainedModel : ITrainedPreferenceModel
{
    /// <summary>The head's file inside <c>reward_model/</c>: <c>dpl_head.safetensors</c>.</summary>
    public const string HeadFileName = "dpl_head.safetensors";

    /// <summary>The manifest format of the mean-variance variant.</summary>
    public const string MeanVarianceFormat = "dpl-mean-variance";

    /// <summary>The manifest format of the categorical variant.</summary>
    public const string CategoricalFormat = "dpl-categorical";

    private readonly IReadOnlyList<IDisposable> _owned;
    private readonly JsonObject? _trainingOptions;
    private bool _disposed;

    /// <summary>Wraps a trained DPL reward model (the trainer and <see cref="Load"/> do this).</summary>
    /// <param name="rewardModel">The model.</param>
    /// <param name="metadata">How it was trained.</param>
    /// <param name="trainingOptions">The trainer's options, recorded in the manifest.</param>
    /// <param name="owned">What to dispose with this instance, in order.</param>
    public DplTrainedModel(DplRewardModel rewardModel, TrainingMetadata metadata, JsonObject? trainingOptions = null, IReadOnlyList<IDisposable>? owned = null)
    {
        ArgumentNullException.ThrowIfNull(rewardModel);
        ArgumentNullException.ThrowIfNull(metadata);
        RewardModel = rewardModel;
        Metadata = metadata;
        _trainingOptions = trainingOptions;
        _owned = owned ?? [];
        Predictor = new PairPredictor(ConditioningKind.None, (pair, ct) =>
        {
            var p = rewardModel.Predict([pair], ct)[0];
            return (p.ChosenProbability, p.Chosen.Reward, p.Rejected.Reward);
        });
    }

    /// <inheritdoc />
    public string Name => Metadata.Method;

    /// <inheritdoc />
    public ConditioningKind Conditioning => ConditioningKind.None;

    /// <inheritdoc />
    public IUserSummarizer? Summarizer => null;

    /// <summary>The DPL reward model (expected reward as <see cref="IRewardModel"/>, uncertainty through its own methods).</summary>
    public DplRewardModel RewardModel { get; }

    /// <inheritdoc />
    IRewardModel ITrainedPreferenceModel.RewardModel => RewardModel;

    /// <inheritdoc />
    public IPreferencePredictor Predictor { get; }

    /// <inheritdoc />
    public TrainingMetadata Metadata { get; }

    /// <summary>The manifest format of a variant.</summary>
    /// <param name="variant">The variant.</param>
    /// <returns><see cref="MeanVarianceFormat"/> or <see cref="CategoricalFormat"/>.</returns>
    public static string FormatOf(DplVariant variant) => variant == DplVariant.Categorical ? CategoricalFormat : MeanVarianceFormat;

    /// <inheritdoc />
    public async Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default) =>
        [.. (await PredictWithUncertaintyAsync(examples, cancellationToken).ConfigureAwait(false)).Select(p => p.ChosenProbability)];

    /// <summary>DPL's probability for each example's target pair with both responses' reward and uncertainty.</summary>
    /// <param name="examples">The examples (their context is not used: DPL sees no user information).</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One prediction per example, in order.</returns>
    public Task<IReadOnlyList<DplPrediction>> PredictWithUncertaintyAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var pairs = examples.Select(e => new ConditionedPair(e.Target, UserConditioning.None)).ToArray();
        return Task.Run(() => RewardModel.Predict(pairs, cancellationToken), cancellationToken);
    }

    /// <inheritdoc />
    public Task SaveAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.Run(() => TrainedModelStore.SaveAtomically(directory, WriteParts, cancellationToken), cancellationToken);
    }

    /// <summary>Opens a folder written by <see cref="SaveAsync"/> (in any process).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="options">Device, dtype, base-model location; null for the defaults (CPU, fp32).</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="TrainedModelException">Not a DPL folder, or a missing, altered or inconsistent file; the message names the file.</exception>
    public static DplTrainedModel Load(string directory, TrainedModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        (string root, string manifestPath, var manifest, options) = TrainedModelStore.ReadManifest(directory, options, [$"{TrainedModel.RewardModelFolder}/{HeadFileName}"]);
        string format = manifest.RewardModel.Format;
        if (format is not (MeanVarianceFormat or CategoricalFormat))
            throw new TrainedModelException($"'{manifestPath}': reward_model.format is '{format}', not a DPL model ({MeanVarianceFormat} or {CategoricalFormat}).", manifestPath);
        var owned = new List<IDisposable>();
        try
        {
            var conditioned = TrainedModelStore.ReadRewardModel(root, manifestPath, manifest, options, owned);
            string headPath = TrainedModelManifest.ResolveInside(root, $"{manifest.RewardModel.Path}/{HeadFileName}", manifestPath);
            var head = ReadHeadOptions(headPath, format);
            var model = new DplRewardModel(conditioned, head, headSeed: 0, ownsBaseModel: false);
            owned.Add(model);
            try
            {
                ParameterFile.Read(headPath, [(DplRewardModel.HeadWeightName, model.HeadWeight)]);
            }
            catch (InvalidDataException ex)
            {
                throw new TrainedModelException($"'{headPath}': {ex.Message}", headPath, ex);
            }

            model.Base.Model.eval();
            return new DplTrainedModel(model, TrainedModelStore.Metadata(manifest), manifest.Training.Options, [.. Enumerable.Reverse(owned)]);
        }
        catch
        {
            foreach (var d in Enumerable.Reverse(owned)) d.Dispose();
            throw;
        }
    }

    /// <summary>Disposes what this instance owns.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var d in _owned) d.Dispose();
    }

    private TrainedModelManifest WriteParts(string folder, CancellationToken cancellationToken)
    {
        var o = RewardModel.Options;
        var entry = TrainedModelStore.WriteRewardModel(RewardModel.Base, folder, FormatOf(o.Variant));
        cancellationToken.ThrowIfCancellationRequested();
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = "DPL",
            ["variant"] = o.Variant.ToString(),
            ["num_labels"] = o.Outputs.ToString(CultureInfo.InvariantCulture),
            ["atoms"] = o.Atoms.ToString(CultureInfo.InvariantCulture),
            ["variance_penalty"] = o.VariancePenalty.ToString("R", CultureInfo.InvariantCulture),
            ["entropy_bonus"] = o.EntropyBonus.ToString("R", CultureInfo.InvariantCulture),
        };
        ParameterFile.Write(Path.Combine(folder, entry.Path, HeadFileName), [(DplRewardModel.HeadWeightName, RewardModel.HeadWeight)], metadata);
        var prompts = RewardModel.Base.Encoder.Renderer.Prompts;
        return new TrainedModelManifest
        {
            LibraryVersion = TrainedModel.LibraryVersion,
            Method = Name,
            Conditioning = TrainedModel.ConditioningName(Conditioning),
            Domain = prompts.Domain.ToString().ToLowerInvariant(),
            Prompts = prompts.Templates,
            RewardModel = entry,
            Training = TrainedModelStore.Training(Metadata, _trainingOptions),
        };
    }

    private static DplOptions ReadHeadOptions(string path, string format)
    {
        using var file = SafetensorsFile.Open(path);
        var m = file.Metadata;
        string Get(string key) => m.TryGetValue(key, out var v) ? v : throw new TrainedModelException($"'{path}' has no '{key}' in its metadata.", path);
        var variant = format == CategoricalFormat ? DplVariant.Categorical : DplVariant.MeanVariance;
        if (Get("variant") != variant.ToString())
            throw new TrainedModelException($"'{path}' holds a {Get("variant")} head but the manifest says {format}.", path);
        var options = new DplOptions
        {
            Variant = variant,
            Atoms = int.Parse(Get("atoms"), CultureInfo.InvariantCulture),
            VariancePenalty = double.Parse(Get("variance_penalty"), CultureInfo.InvariantCulture),
            EntropyBonus = double.Parse(Get("entropy_bonus"), CultureInfo.InvariantCulture),
        };
        try
        {
            options.Validate();
        }
        catch (ArgumentOutOfRangeException ex)
        {
            throw new TrainedModelException($"'{path}': {ex.Message}", path, ex);
        }

        return options;
    }
}
