using Plus.Torch.Checkpoints;

namespace Plus.Torch.Training;

/// <summary>
/// A method's part of training, plugged into <see cref="TrainingLoop"/>: one optimizer step on a batch, its checkpoint
/// contents and its evaluation. The loop owns everything else (order, progress, metrics, checkpoints, resume,
/// cancellation).
/// </summary>
/// <remarks>
/// Contract for exact resume: <see cref="Step"/> may throw <see cref="OperationCanceledException"/> only before it
/// changes any weight or optimizer state (the loop then checkpoints the previous step); once it starts changing
/// weights it finishes the step. A step must depend only on the weights, the optimizer state, the batch and the step
/// number (seed its sampling from the step), so that a resumed run repeats it exactly.
/// </remarks>
public interface ITrainingTask
{
    /// <summary>The stage name in progress reports, metrics and errors (for example <c>bt-train</c>).</summary>
    string Stage { get; }

    /// <summary>Runs one step.</summary>
    /// <param name="context">The step number, its batch (indices into the training examples) and the last good checkpoint.</param>
    /// <param name="cancellationToken">Honoured until the step's first weight change.</param>
    /// <returns>The step's metrics.</returns>
    /// <exception cref="NonFiniteLossException">A loss or gradient became NaN/∞ (no weight changed).</exception>
    IReadOnlyDictionary<string, double> Step(TrainingStepContext context, CancellationToken cancellationToken);

    /// <summary>Writes the task's state (trainable weights, optimizers, controllers) into a checkpoint.</summary>
    /// <param name="writer">The checkpoint being written.</param>
    void Save(CheckpointWriter writer);

    /// <summary>Restores what <see cref="Save"/> wrote.</summary>
    /// <param name="reader">The checkpoint.</param>
    /// <exception cref="InvalidDataException">The checkpoint does not fit the task; the message names the file.</exception>
    /// <exception cref="CheckpointException">A tensor is missing or mis-shaped.</exception>
    void Load(CheckpointReader reader);

    /// <summary>Evaluates on the held-out examples (Algorithm 2): <c>eval_accuracy</c> and <c>eval_accuracy_{group}</c>.</summary>
    /// <param name="cancellationToken">Stops the evaluation.</param>
    /// <returns>The evaluation metrics.</returns>
    IReadOnlyDictionary<string, double> Evaluate(CancellationToken cancellationToken);
}
