namespace Plus.Torch.Training;

/// <summary>What <see cref="TrainingLoop"/> hands a task for one step.</summary>
/// <param name="Step">The 0-based step about to run (<c>Step + 1</c> steps are done after it).</param>
/// <param name="Epoch">The epoch of the step.</param>
/// <param name="Batch">Indices of the batch's examples in the training list, in order.</param>
/// <param name="LastCheckpoint">The last checkpoint written (named by a non-finite-loss error), or null.</param>
public sealed record TrainingStepContext(int Step, int Epoch, IReadOnlyList<int> Batch, string? LastCheckpoint);
