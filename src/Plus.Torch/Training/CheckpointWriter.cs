using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>
/// Writes the files of one checkpoint into its staging directory; handed out by <see cref="CheckpointStore.Save"/>.
/// Files need not be written atomically here: the whole directory becomes visible at once when it is complete.
/// </summary>
public sealed class CheckpointWriter
{
    internal CheckpointWriter(string directory) => Directory = directory;

    /// <summary>The staging directory (not the final checkpoint path).</summary>
    public string Directory { get; }

    /// <summary>The full path of a file in the checkpoint, for callers that write their own formats (safetensors, PEFT adapters).</summary>
    /// <param name="fileName">A plain file name (letters, digits, '_', '-', '.').</param>
    /// <returns>The path inside the staging directory.</returns>
    public string GetPath(string fileName)
    {
        TrainingJson.CheckFileName(fileName, nameof(fileName));
        return Path.Combine(Directory, fileName);
    }

    /// <summary>Saves a module's state dict (parameters and buffers) in TorchSharp's format as <c>NAME.module.bin</c>.</summary>
    /// <param name="name">The module's name in the checkpoint.</param>
    /// <param name="module">The module.</param>
    public void SaveModule(string name, nn.Module module)
    {
        ArgumentNullException.ThrowIfNull(module);
        // What module.save(path) does, through a stream a test can fail (AtomicFile.WriteInterceptor).
        using var writer = Create(CheckpointFiles.Module(name));
        module.save(writer);
    }

    /// <summary>Saves an optimizer's state (per-parameter moments and step counts, group options) as <c>NAME.optimizer.bin</c>.</summary>
    /// <param name="name">The optimizer's name in the checkpoint.</param>
    /// <param name="optimizer">A <see cref="MultiTensorAdamW"/> (written in TorchSharp AdamW's format) or a TorchSharp
    /// optimizer built on <c>OptimizerHelper</c> (all built-in ones are).</param>
    /// <exception cref="NotSupportedException">The optimizer cannot serialize its state.</exception>
    public void SaveOptimizer(string name, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        if (optimizer is MultiTensorAdamW multiTensor)
        {
            using var file = File.Create(GetPath(CheckpointFiles.Optimizer(name)));
            using var binary = new BinaryWriter(file);
            multiTensor.SaveState(binary);
            return;
        }

        if (optimizer is not OptimizerHelper helper)
        {
            throw new NotSupportedException($"Optimizer '{optimizer.GetType().Name}' cannot save its state: it does not derive from OptimizerHelper.");
        }

        using var writer = Create(CheckpointFiles.Optimizer(name));
        helper.save_state_dict(writer);
    }

    /// <summary>Saves the TorchSharp default CPU generator's state as <c>rng_state.bin</c>.</summary>
    /// <remarks>CUDA generators are not saved; see <see cref="Seeding"/> for deterministic resume.</remarks>
    public void SaveRngState()
    {
        using var scope = NewDisposeScope();
        byte[] bytes = random.get_rng_state().cpu().data<byte>().ToArray();
        using var writer = Create(CheckpointFiles.RngState);
        writer.Write(1); // format version
        writer.Write(bytes.Length);
        writer.Write(bytes);
    }

    /// <summary>Writes a value as JSON (snake_case keys).</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="fileName">A plain file name, for example <c>kl_controller.json</c>.</param>
    /// <param name="value">The value.</param>
    public void WriteJson<T>(string fileName, T value)
    {
        using var writer = Create(fileName);
        JsonSerializer.Serialize(writer.BaseStream, value, TrainingJson.Options);
    }

    private BinaryWriter Create(string fileName)
    {
        string path = GetPath(fileName);
        return new BinaryWriter(AtomicFile.Intercept(path, File.Create(path)), System.Text.Encoding.UTF8, leaveOpen: false);
    }
}
