using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Lora;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;
using Plus.Training;

namespace Plus.Torch.Persistence;

/// <summary>
/// The folder plumbing every saved method shares (<see cref="TrainedModel"/> and the Plus.Baselines models): the atomic
/// write of a model folder with its <c>plus.json</c>, reading and verifying a manifest, and writing and reading the
/// conditioned reward model (a transformers folder or a PEFT adapter plus the tokenizer) that methods with other heads
/// build on. The manifest's <c>reward_model.format</c> names what sits on top; this class stores the backbone part
/// only (a full folder when <see cref="ManifestRewardModel.BaseModel"/> is null, an adapter otherwise).
/// </summary>
public static class TrainedModelStore
{
    /// <summary>The reward model formats <see cref="TrainedModel.Load"/> reads itself: <c>hf-sequence-classification</c> and <c>peft-lora</c>.</summary>
    public static IReadOnlyList<string> CoreRewardFormats { get; } = ["hf-sequence-classification", "peft-lora"];

    /// <summary>
    /// Writes a model folder atomically: <paramref name="writeParts"/> fills a temporary sibling folder and returns the
    /// manifest (its <see cref="TrainedModelManifest.Files"/> are listed here), the manifest is written, and the folder
    /// replaces <paramref name="directory"/> in one move.
    /// </summary>
    /// <param name="directory">The target folder (new, empty, or a saved model, which is replaced).</param>
    /// <param name="writeParts">Writes the files into the folder it is given and returns the manifest.</param>
    /// <param name="cancellationToken">Stops before the folder is published.</param>
    /// <exception cref="IOException"><paramref name="directory"/> exists, is not empty and is not a saved model (nothing is
    /// written then); or writing a file failed (a full disk): the message names <paramref name="directory"/>, the inner
    /// exception is the original error, and the folder is left as it was.</exception>
    public static void SaveAtomically(string directory, Func<string, CancellationToken, TrainedModelManifest> writeParts, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentNullException.ThrowIfNull(writeParts);
        string target = Path.GetFullPath(directory).TrimEnd(Path.DirectorySeparatorChar);
        if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any() && !File.Exists(Path.Combine(target, TrainedModelManifest.FileName)))
            throw new IOException($"'{target}' exists and is not a saved model; save into a new or empty folder (nothing was written).");
        string parent = Path.GetDirectoryName(target) ?? throw new IOException($"'{target}' has no parent folder.");
        Directory.CreateDirectory(parent);
        string temporary = Path.Combine(parent, $".{Path.GetFileName(target)}.tmp-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(temporary);
            var manifest = writeParts(temporary, cancellationToken) with { Files = ListFiles(temporary) };
            cancellationToken.ThrowIfCancellationRequested();
            WriteManifest(Path.Combine(temporary, TrainedModelManifest.FileName), manifest.ToJson());
            cancellationToken.ThrowIfCancellationRequested();
            Publish(temporary, target);
        }
        catch (Exception e)
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
            // A failing disk (ENOSPC names only the file being written, in the temporary folder) is reported with the
            // folder being saved; other exceptions (cancellation, a model that cannot be saved) propagate unchanged.
            if (e is IOException) throw new IOException($"Saving the model to '{target}' failed: {e.Message} The folder was left as it was.", e);
            throw;
        }
    }

    /// <summary>Every file under <paramref name="folder"/> with its size and sha256, by relative path (ordinal order).</summary>
    /// <param name="folder">The folder.</param>
    /// <returns>The entries.</returns>
    public static IReadOnlyList<ManifestFile> ListFiles(string folder)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        return Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Select(f => new ManifestFile(Path.GetRelativePath(folder, f).Replace(Path.DirectorySeparatorChar, '/'), new FileInfo(f).Length, ContentHash.OfFile(f)))
            .OrderBy(f => f.Path, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>
    /// Reads, checks and (with <see cref="TrainedModelLoadOptions.VerifyFiles"/>) verifies the manifest of a saved
    /// folder, after validating a copy of the options whose <see cref="TrainedModelLoadOptions.Path"/> is the folder.
    /// </summary>
    /// <param name="directory">The folder.</param>
    /// <param name="options">The load options (null for the defaults; not changed).</param>
    /// <param name="requiredFiles">Files (relative paths) the format needs beyond those every reward model needs; checked to be listed.</param>
    /// <returns>The folder's full path, the manifest's path, the manifest and the options in effect.</returns>
    /// <exception cref="TrainedModelException">No folder or manifest, an invalid manifest, or a missing or altered file; the message names the file.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static (string Root, string ManifestPath, TrainedModelManifest Manifest, TrainedModelLoadOptions Options) ReadManifest(
        string directory, TrainedModelLoadOptions? options = null, IEnumerable<string>? requiredFiles = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        string root = Path.GetFullPath(directory);
        string manifestPath = Path.Combine(root, TrainedModelManifest.FileName);
        if (!Directory.Exists(root)) throw new TrainedModelException($"Model folder '{root}' does not exist.", root);
        if (!File.Exists(manifestPath))
            throw new TrainedModelException($"'{root}' has no {TrainedModelManifest.FileName}: it is not a saved Plus.Sdk model, or its save did not finish.", manifestPath);
        options = (options ?? new TrainedModelLoadOptions()).Clone();
        options.Path = root;
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        // Read as every model file is: refused above 16 MiB by its length, and only as strict UTF-8.
        byte[] bytes = Checkpoints.StrictJson.ReadUtf8File(
            manifestPath, Checkpoints.StrictJson.MaxConfigBytes, $"Manifest '{manifestPath}'", m => new TrainedModelException(m, manifestPath));
        var manifest = TrainedModelManifest.Parse(System.Text.Encoding.UTF8.GetString(bytes), manifestPath);
        if (options.VerifyFiles) VerifyFiles(root, manifest, manifestPath, requiredFiles ?? []);
        return (root, manifestPath, manifest, options);
    }

    /// <summary>
    /// Writes a conditioned reward model's backbone and head into <c>{folder}/reward_model</c>: a transformers folder, or
    /// a PEFT adapter naming its base model when the model carries LoRA; then its tokenizer.
    /// </summary>
    /// <param name="reward">The reward model.</param>
    /// <param name="folder">The model folder being written.</param>
    /// <param name="format">The manifest format to record; null records <c>hf-sequence-classification</c> or <c>peft-lora</c>.</param>
    /// <returns>The manifest entry.</returns>
    /// <exception cref="InvalidOperationException">The model carries LoRA but was not loaded from a folder, so the adapter cannot name its base.</exception>
    public static ManifestRewardModel WriteRewardModel(ConditionedRewardModel reward, string folder, string? format = null)
    {
        ArgumentNullException.ThrowIfNull(reward);
        ArgumentException.ThrowIfNullOrWhiteSpace(folder);
        string rewardDir = Path.Combine(folder, TrainedModel.RewardModelFolder);
        ModelReference? rewardBase = null;
        if (reward.Model.Lora is not null)
        {
            rewardBase = TrainedModel.Reference(reward.Model.SourceDirectory, "reward model");
            reward.Model.SaveAdapter(rewardDir, rewardBase.NameOrPath);
        }
        else
        {
            reward.Model.SavePretrained(rewardDir);
        }

        reward.Encoder.Tokenizer.Save(rewardDir);
        var encoder = reward.Encoder;
        return new ManifestRewardModel(
            TrainedModel.RewardModelFolder, format ?? (rewardBase is null ? "hf-sequence-classification" : "peft-lora"), rewardBase,
            encoder.MaxLength, reward.BatchSize, encoder.Formatter.Name, SystemMessage(encoder.Formatter),
            encoder.SubjectLines);
    }

    /// <summary>
    /// Opens the conditioned reward model stored by <see cref="WriteRewardModel"/> (whatever the entry's format names on
    /// top of it), in eval mode, with the manifest's prompts.
    /// </summary>
    /// <param name="root">The model folder.</param>
    /// <param name="manifestPath">The manifest, named in errors.</param>
    /// <param name="manifest">The manifest.</param>
    /// <param name="options">Device, dtype and base-model location.</param>
    /// <param name="owned">Receives what was created, in creation order (dispose in reverse).</param>
    /// <returns>The conditioned reward model.</returns>
    /// <exception cref="TrainedModelException">The adapter's base model is missing or not the one trained on.</exception>
    public static ConditionedRewardModel ReadRewardModel(string root, string manifestPath, TrainedModelManifest manifest, TrainedModelLoadOptions options, ICollection<IDisposable> owned)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(owned);
        var device = TorchRuntime.ResolveDevice(options.Device ?? "cpu");
        var dtype = TorchRuntime.ResolveDType(options.DType, device);
        var renderer = Renderer(manifest);
        var entry = manifest.RewardModel;
        string rewardDir = TrainedModelManifest.ResolveInside(root, entry.Path, manifestPath);
        RewardModel reward;
        if (entry.BaseModel is not null)
        {
            string basePath = TrainedModel.ResolveBase(entry.BaseModel, options, manifestPath, "reward model");
            reward = Reward.RewardModel.FromPretrained(basePath, device, dtype, newHeadSeed: 0);
            owned.Add(reward);
            reward.LoadAdapter(rewardDir);
        }
        else
        {
            reward = Reward.RewardModel.FromPretrained(rewardDir, device, dtype);
            owned.Add(reward);
        }

        reward.HeadTrained = true;
        reward.eval();
        var tokenizer = HfTokenizer.Load(rewardDir);
        var formatter = ChatFormatters.FromName(entry.ChatFormat, entry.DefaultSystemMessage);
        var conditioned = new ConditionedRewardModel(reward, new RewardTextEncoder(tokenizer, formatter, new ConditioningRenderer(renderer), entry.MaxSequenceLength, subjectLines: entry.SubjectLines), entry.ScoreBatchSize, ownsModel: false);
        owned.Add(conditioned);
        return conditioned;
    }

    /// <summary>The prompt renderer a manifest records (domain and templates).</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The renderer.</returns>
    public static PromptRenderer Renderer(TrainedModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return new PromptRenderer(PromptTemplateOptions.ParseDomain(manifest.Domain), manifest.Prompts);
    }

    /// <summary>The training record a manifest holds.</summary>
    /// <param name="manifest">The manifest.</param>
    /// <returns>The metadata.</returns>
    public static TrainingMetadata Metadata(TrainedModelManifest manifest)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        var t = manifest.Training;
        return new TrainingMetadata
        {
            Method = manifest.Method,
            Seed = t.Seed,
            Steps = t.Steps,
            TrainExamples = t.TrainExamples,
            DataFingerprint = t.DataSha256,
            FinalMetrics = t.FinalMetrics ?? new Dictionary<string, double>(),
            TrainedAt = t.TrainedAt,
            LibraryVersion = manifest.LibraryVersion,
        };
    }

    /// <summary>The manifest's <c>training</c> entry for a training record and the trainer's options.</summary>
    /// <param name="metadata">How the model was trained.</param>
    /// <param name="options">The trainer's options (copied), or null.</param>
    /// <returns>The entry.</returns>
    public static ManifestTraining Training(TrainingMetadata metadata, System.Text.Json.Nodes.JsonObject? options)
    {
        ArgumentNullException.ThrowIfNull(metadata);
        return new ManifestTraining(metadata.Seed, metadata.Steps, metadata.TrainExamples, metadata.DataFingerprint, metadata.FinalMetrics, metadata.TrainedAt, options?.DeepClone().AsObject());
    }

    private static void WriteManifest(string path, string json)
    {
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None);
        var stream = Plus.Torch.Training.AtomicFile.Intercept(path, file);
        stream.Write(new System.Text.UTF8Encoding(false).GetBytes(json));
        stream.Flush();
        file.Flush(flushToDisk: true);
    }

    internal static string? SystemMessage(IChatFormatter formatter) => formatter is ChatMlFormatter chatMl ? chatMl.DefaultSystemMessage : null;

    private static void Publish(string temporary, string target)
    {
        if (!Directory.Exists(target))
        {
            Directory.Move(temporary, target);
            return;
        }

        string old = $"{target}.old-{Guid.NewGuid():N}";
        Directory.Move(target, old);
        try
        {
            Directory.Move(temporary, target);
        }
        catch
        {
            Directory.Move(old, target);
            throw;
        }

        Directory.Delete(old, recursive: true);
    }

    private static void VerifyFiles(string root, TrainedModelManifest manifest, string manifestPath, IEnumerable<string> extra)
    {
        foreach (var file in manifest.Files)
        {
            string full = TrainedModelManifest.ResolveInside(root, file.Path, manifestPath);
            var info = new FileInfo(full);
            if (!info.Exists) throw new TrainedModelException($"'{full}', listed in '{manifestPath}', is missing.", full);
            if (info.LinkTarget is not null) throw new TrainedModelException($"'{full}' is a symbolic link; a saved model holds plain files only.", full);
            if (LinkedFolderOnTheWay(root, full) is { } linked)
                throw new TrainedModelException($"'{linked}', on the way to '{full}', is a symbolic link; a saved model holds plain folders only, so nothing outside it is read.", linked);
            if (info.Length != file.Size) throw new TrainedModelException($"'{full}' has {info.Length} bytes; '{manifestPath}' says {file.Size}: the file was altered or truncated.", full);
            if (ContentHash.OfFile(full) != file.Sha256) throw new TrainedModelException($"'{full}' does not match its sha256 in '{manifestPath}': the file was altered.", full);
        }

        foreach (var required in RequiredFiles(manifest).Concat(extra))
        {
            if (!manifest.Files.Any(f => f.Path == required))
                throw new TrainedModelException($"'{manifestPath}' does not list '{required}', which a {manifest.RewardModel.Format} model needs.", manifestPath);
        }
    }

    /// <summary>The first folder between <paramref name="root"/> (excluded) and <paramref name="file"/> that is a symbolic link, or null.</summary>
    private static string? LinkedFolderOnTheWay(string root, string file)
    {
        string rootFull = Path.GetFullPath(root);
        for (string? folder = Path.GetDirectoryName(file); folder is not null && folder.Length > rootFull.Length; folder = Path.GetDirectoryName(folder))
        {
            if (new DirectoryInfo(folder).LinkTarget is not null) return folder;
        }

        return null;
    }

    private static IEnumerable<string> RequiredFiles(TrainedModelManifest manifest)
    {
        string r = manifest.RewardModel.Path;
        if (manifest.RewardModel.BaseModel is not null)
        {
            yield return $"{r}/{PeftAdapterConfig.FileName}";
            yield return $"{r}/{LoraAdapter.WeightsFileName}";
        }
        else
        {
            yield return $"{r}/config.json";
        }

        yield return $"{r}/{HfTokenizer.TokenizerFileName}";
        if (manifest.Summarizer is { Format: "peft-lora", Path: { } s })
        {
            yield return $"{s}/{PeftAdapterConfig.FileName}";
            yield return $"{s}/{LoraAdapter.WeightsFileName}";
        }
    }
}
