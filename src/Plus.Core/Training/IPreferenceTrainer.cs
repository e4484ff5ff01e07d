namespace Plus.Training;

/// <summary>Trains a preference method on examples and returns the trained model.</summary>
/// <remarks>
/// Implementations report progress through <see cref="IProgress{T}"/> (and notices such as a resume, as
/// <see cref="TrainingProgress.Message"/>), evaluate on the held-out examples when given, honour cancellation at any
/// point (checkpointing the last completed step first when they checkpoint), resume only a run with the same data,
/// options and base model, and fail with a clear error on a non-finite loss. Method names are in
/// <see cref="PreferenceMethods"/>.
/// </remarks>
public interface IPreferenceTrainer
{
    /// <summary>The method's display name, as in the paper's tables.</summary>
    string Name { get; }

    /// <summary>Trains on <paramref name="train"/>; <paramref name="eval"/>, when given, is used for periodic evaluation.</summary>
    /// <param name="train">Training examples.</param>
    /// <param name="eval">Optional held-out examples.</param>
    /// <param name="progress">Receives a report after each step.</param>
    /// <param name="cancellationToken">Stops training at any point.</param>
    /// <returns>The trained model, ready for evaluation and saving; the caller disposes it.</returns>
    Task<ITrainedPreferenceModel> TrainAsync(
        IReadOnlyList<PreferenceExample> train,
        IReadOnlyList<PreferenceExample>? eval = null,
        IProgress<TrainingProgress>? progress = null,
        CancellationToken cancellationToken = default);
}
