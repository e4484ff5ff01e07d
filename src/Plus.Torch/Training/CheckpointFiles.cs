namespace Plus.Torch.Training;

/// <summary>The file names inside a checkpoint directory written by <see cref="CheckpointStore"/>.</summary>
public static class CheckpointFiles
{
    /// <summary>The trainer state (<see cref="TrainerState"/>), written last: its presence marks a complete checkpoint.</summary>
    public const string TrainerState = "trainer_state.json";

    /// <summary>The TorchSharp CPU generator state.</summary>
    public const string RngState = "rng_state.bin";

    /// <summary>The pointer file in the store's root naming the latest checkpoint directory.</summary>
    public const string LatestPointer = "latest";

    /// <summary>The file of a module saved under <paramref name="name"/> (TorchSharp's <c>Module.save</c> format).</summary>
    /// <param name="name">The module's name in the checkpoint, for example <c>critic</c>.</param>
    /// <returns>The file name.</returns>
    public static string Module(string name) => name + ".module.bin";

    /// <summary>The file of an optimizer saved under <paramref name="name"/> (TorchSharp's <c>save_state_dict</c> format).</summary>
    /// <param name="name">The optimizer's name in the checkpoint, for example <c>actor</c>.</param>
    /// <returns>The file name.</returns>
    public static string Optimizer(string name) => name + ".optimizer.bin";
}
