using System.Text.Json;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>Reads one complete checkpoint directory written by <see cref="CheckpointStore"/>.</summary>
public sealed class CheckpointReader
{
    /// <summary>Opens a checkpoint directory and reads its <c>trainer_state.json</c>.</summary>
    /// <param name="directory">The checkpoint directory (for example <c>runs/x/checkpoints/step-00000120</c>).</param>
    /// <exception cref="DirectoryNotFoundException">The directory does not exist.</exception>
    /// <exception cref="FileNotFoundException">The directory holds no <c>trainer_state.json</c> (an incomplete checkpoint).</exception>
    /// <exception cref="InvalidDataException">The trainer state is not valid JSON; the message names the file.</exception>
    public CheckpointReader(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        Directory = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(Directory))
        {
            throw new DirectoryNotFoundException($"Checkpoint directory '{Directory}' does not exist.");
        }

        State = ReadJson<TrainerState>(CheckpointFiles.TrainerState);
    }

    /// <summary>The checkpoint directory.</summary>
    public string Directory { get; }

    /// <summary>The trainer state stored in the checkpoint.</summary>
    public TrainerState State { get; }

    /// <summary>The full path of a file in the checkpoint.</summary>
    /// <param name="fileName">A plain file name.</param>
    /// <returns>The path (the file may not exist; see <see cref="Contains"/>).</returns>
    public string GetPath(string fileName)
    {
        TrainingJson.CheckFileName(fileName, nameof(fileName));
        return Path.Combine(Directory, fileName);
    }

    /// <summary>Whether the checkpoint holds a file.</summary>
    /// <param name="fileName">A plain file name.</param>
    /// <returns>True when it exists.</returns>
    public bool Contains(string fileName) => File.Exists(GetPath(fileName));

    /// <summary>Loads a module saved with <see cref="CheckpointWriter.SaveModule"/> into <paramref name="module"/>.</summary>
    /// <param name="name">The module's name in the checkpoint.</param>
    /// <param name="module">A module of the same architecture; its tensors are overwritten in place.</param>
    /// <param name="strict">True to fail when names or shapes differ.</param>
    /// <exception cref="FileNotFoundException">The module file is missing.</exception>
    /// <exception cref="InvalidDataException">The file does not match the module; the message names the file.</exception>
    public void LoadModule(string name, nn.Module module, bool strict = true)
    {
        ArgumentNullException.ThrowIfNull(module);
        string path = RequireFile(CheckpointFiles.Module(name));
        try
        {
            module.load(path, strict);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or KeyNotFoundException)
        {
            throw new InvalidDataException($"Checkpoint file '{path}' does not match module '{module.GetName()}': {ex.Message}", ex);
        }
    }

    /// <summary>Restores an optimizer saved with <see cref="CheckpointWriter.SaveOptimizer"/>.</summary>
    /// <param name="name">The optimizer's name in the checkpoint.</param>
    /// <param name="optimizer">An optimizer of the same type over the same parameters, in the same order.</param>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="NotSupportedException">The optimizer cannot load state.</exception>
    /// <exception cref="InvalidDataException">The file does not match the optimizer; the message names the file.</exception>
    public void LoadOptimizer(string name, optim.Optimizer optimizer)
    {
        ArgumentNullException.ThrowIfNull(optimizer);
        var helper = optimizer as OptimizerHelper;
        if (helper is null && optimizer is not MultiTensorAdamW)
        {
            throw new NotSupportedException($"Optimizer '{optimizer.GetType().Name}' cannot load state: it is neither a MultiTensorAdamW nor derives from OptimizerHelper.");
        }

        string path = RequireFile(CheckpointFiles.Optimizer(name));
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            if (optimizer is MultiTensorAdamW multiTensor) multiTensor.LoadState(reader);
            else helper!.load_state_dict(reader);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or IndexOutOfRangeException or InvalidDataException)
        {
            throw new InvalidDataException($"Checkpoint file '{path}' does not match optimizer '{optimizer.GetType().Name}': {ex.Message}", ex);
        }
    }

    /// <summary>Restores the TorchSharp CPU generator from <c>rng_state.bin</c>.</summary>
    /// <returns>False when the checkpoint holds no RNG state.</returns>
    /// <exception cref="InvalidDataException">The file is malformed; the message names it.</exception>
    public bool RestoreRngState()
    {
        string path = GetPath(CheckpointFiles.RngState);
        if (!File.Exists(path)) return false;
        byte[] bytes;
        try
        {
            using var stream = File.OpenRead(path);
            using var reader = new BinaryReader(stream);
            int version = reader.ReadInt32();
            if (version != 1) throw new InvalidDataException($"RNG state file '{path}' has format version {version}; this build reads version 1.");
            int length = reader.ReadInt32();
            bytes = reader.ReadBytes(length);
            if (bytes.Length != length) throw new EndOfStreamException();
        }
        catch (EndOfStreamException ex)
        {
            throw new InvalidDataException($"RNG state file '{path}' is truncated.", ex);
        }

        using var scope = NewDisposeScope();
        random.set_rng_state(tensor(bytes, dtype: ScalarType.Byte));
        return true;
    }

    /// <summary>Reads a JSON file of the checkpoint.</summary>
    /// <typeparam name="T">The value's type.</typeparam>
    /// <param name="fileName">A plain file name.</param>
    /// <returns>The value.</returns>
    /// <exception cref="FileNotFoundException">The file is missing.</exception>
    /// <exception cref="InvalidDataException">The file is not valid JSON for <typeparamref name="T"/>; the message names it.</exception>
    public T ReadJson<T>(string fileName)
    {
        string path = RequireFile(fileName);
        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize<T>(stream, TrainingJson.Options)
                ?? throw new InvalidDataException($"Checkpoint file '{path}' holds JSON null.");
        }
        catch (JsonException ex)
        {
            throw new InvalidDataException($"Checkpoint file '{path}' is not valid JSON for {typeof(T).Name} (line {ex.LineNumber + 1}): {ex.Message}", ex);
        }
    }

    private string RequireFile(string fileName)
    {
        string path = GetPath(fileName);
        if (!File.Exists(path))
        {
            throw new FileNotFoundException($"Checkpoint '{Directory}' has no file '{fileName}'.", path);
        }

        return path;
    }
}
