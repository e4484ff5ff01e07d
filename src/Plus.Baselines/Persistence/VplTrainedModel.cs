using System.Text.Json.Nodes;
using Plus.Baselines.Vpl;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Baselines.Persistence;

/// <summary>
/// A trained VPL model: the frozen backbone (a <see cref="ConditionedRewardModel"/> whose backbone and text encoder
/// feed <see cref="VplEmbedder"/>; its scalar head is unused) and the trained <see cref="VplNetwork"/>, saved in the
/// common trained-model layout (<c>plus.json</c>, <c>reward_model/</c> as written by
/// <see cref="TrainedModelStore.WriteRewardModel"/>, plus <c>reward_model/vpl_network.safetensors</c>) with
/// <c>reward_model.format</c> <c>vpl</c> and conditioning <c>context</c>.
/// </summary>
/// <remarks>Predictions use <c>z = μ</c> of the user's context pairs. Disposing frees what the instance owns.</remarks>
public sealed class VplTrainedModel : ITrainedPreferenceModel
{
    /// <summary>The network's file inside <c>reward_model/</c>: <c>vpl_network.safetensors</c>.</summary>
    public const string NetworkFileName = "vpl_network.safetensors";

    /// <summary>The manifest format: <c>vpl</c>.</summary>
    public const string Format = "vpl";

    private readonly IReadOnlyList<IDisposable> _owned;
    private readonly JsonObject? _trainingOptions;
    private bool _disposed;

    /// <summary>Wraps a trained VPL model (the trainer and <see cref="Load"/> do this).</summary>
    /// <param name="backbone">The frozen backbone and text encoder the embedder reads (saved with the model).</param>
    /// <param name="rewardModel">The VPL reward model over <paramref name="backbone"/>.</param>
    /// <param name="metadata">How it was trained.</param>
    /// <param name="trainingOptions">The trainer's options, recorded in the manifest.</param>
    /// <param name="owned">What to dispose with this instance, in order.</param>
    /// <exception cref="ArgumentException">The reward model's embedder does not read <paramref name="backbone"/>.</exception>
    public VplTrainedModel(ConditionedRewardModel backbone, VplRewardModel rewardModel, TrainingMetadata metadata, JsonObject? trainingOptions = null, IReadOnlyList<IDisposable>? owned = null)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(rewardModel);
        ArgumentNullException.ThrowIfNull(metadata);
        if (!ReferenceEquals(rewardModel.Embedder.Backbone, backbone.Model.Backbone))
            throw new ArgumentException("The VPL embedder must read the given backbone (the one that is saved).", nameof(rewardModel));
        Backbone = backbone;
        RewardModel = rewardModel;
        Metadata = metadata;
        _trainingOptions = trainingOptions;
        _owned = owned ?? [];
        Predictor = new PairPredictor(ConditioningKind.Context, (pair, ct) =>
        {
            var rewards = rewardModel.Score([pair.ChosenQuery, pair.RejectedQuery], ct);
            return (rewardModel.PredictChosenProbabilities([pair], ct)[0], rewards[0], rewards[1]);
        });
    }

    /// <inheritdoc />
    public string Name => Metadata.Method;

    /// <inheritdoc />
    public ConditioningKind Conditioning => ConditioningKind.Context;

    /// <inheritdoc />
    public IUserSummarizer? Summarizer => null;

    /// <summary>The frozen backbone and text encoder.</summary>
    public ConditionedRewardModel Backbone { get; }

    /// <summary>The VPL reward model.</summary>
    public VplRewardModel RewardModel { get; }

    /// <inheritdoc />
    IRewardModel ITrainedPreferenceModel.RewardModel => RewardModel;

    /// <inheritdoc />
    public IPreferencePredictor Predictor { get; }

    /// <inheritdoc />
    public TrainingMetadata Metadata { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">An example has an empty context (VPL infers the user from at least one pair).</exception>
    public Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var pairs = examples.Select(e => new ConditionedPair(e.Target, UserConditioning.FromContext(e.Context))).ToArray();
        return Task.Run(() =>
        {
            // In slices, so that one call's user encodings and embeddings stay small.
            var result = new List<double>(pairs.Length);
            for (int start = 0; start < pairs.Length; start += 256)
                result.AddRange(RewardModel.PredictChosenProbabilities(pairs[start..Math.Min(pairs.Length, start + 256)], cancellationToken));
            return (IReadOnlyList<double>)result;
        }, cancellationToken);
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
    /// <param name="embedBatchSize">Sequences per backbone forward when embedding (default 16).</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="TrainedModelException">Not a VPL folder, or a missing, altered or inconsistent file; the message names the file.</exception>
    public static VplTrainedModel Load(string directory, TrainedModelLoadOptions? options = null, int embedBatchSize = 16)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        (string root, string manifestPath, var manifest, options) = TrainedModelStore.ReadManifest(directory, options, [$"{TrainedModel.RewardModelFolder}/{NetworkFileName}"]);
        if (manifest.RewardModel.Format != Format)
            throw new TrainedModelException($"'{manifestPath}': reward_model.format is '{manifest.RewardModel.Format}', not a VPL model ({Format}).", manifestPath);
        var owned = new List<IDisposable>();
        try
        {
            var conditioned = TrainedModelStore.ReadRewardModel(root, manifestPath, manifest, options, owned);
            string networkPath = TrainedModelManifest.ResolveInside(root, $"{manifest.RewardModel.Path}/{NetworkFileName}", manifestPath);
            VplNetwork network;
            try
            {
                network = VplNetwork.FromFile(networkPath, conditioned.Model.Device);
            }
            catch (InvalidDataException ex)
            {
                throw new TrainedModelException($"'{networkPath}': {ex.Message}", networkPath, ex);
            }

            owned.Add(network);
            network.eval();
            var model = new VplRewardModel(new VplEmbedder(conditioned.Model.Backbone, conditioned.Encoder, embedBatchSize), network, ownsNetwork: false);
            owned.Add(model);
            return new VplTrainedModel(conditioned, model, TrainedModelStore.Metadata(manifest), manifest.Training.Options, [.. Enumerable.Reverse(owned)]);
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
        var entry = TrainedModelStore.WriteRewardModel(Backbone, folder, Format);
        cancellationToken.ThrowIfCancellationRequested();
        RewardModel.Network.Save(Path.Combine(folder, entry.Path, NetworkFileName));
        var prompts = Backbone.Encoder.Renderer.Prompts;
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
}
