using Plus.Training;

namespace Plus;

/// <summary>
/// What every method's training returns (BTL, DPL, VPL, ICL, Oracle, PLUS-untrained, PLUS): the method's parts for
/// inference, how it was trained, and a way to save it as a portable folder. It owns native memory: dispose it.
/// </summary>
/// <remarks>
/// A saved folder reopens in another process with the backend's loader (<c>Plus.Torch.Persistence.TrainedModel.Load</c>,
/// or <c>AddPlusModel(directory)</c> in DI) and predicts the same probabilities.
/// </remarks>
public interface ITrainedPreferenceModel : IPreferenceModel, IDisposable
{
    /// <summary>How the reward model sees the user.</summary>
    ConditioningKind Conditioning { get; }

    /// <summary>The summarizer (PLUS and PLUS-untrained), or null for methods without one.</summary>
    IUserSummarizer? Summarizer { get; }

    /// <summary>The conditioned reward model r(s | conditioning).</summary>
    IRewardModel RewardModel { get; }

    /// <summary>Algorithm 2 for one user and one new pair (a user-edited summary can be passed to it).</summary>
    IPreferencePredictor Predictor { get; }

    /// <summary>How the model was trained.</summary>
    TrainingMetadata Metadata { get; }

    /// <summary>
    /// Writes the model to <paramref name="directory"/> in the ecosystem's formats with a <c>plus.json</c> manifest. The
    /// write is atomic: the folder appears complete or not at all; an existing folder is replaced.
    /// </summary>
    /// <param name="directory">The target folder.</param>
    /// <param name="cancellationToken">Stops before the folder is published.</param>
    /// <returns>A task that completes when the folder is in place.</returns>
    Task SaveAsync(string directory, CancellationToken cancellationToken = default);
}
