using System.Collections.Concurrent;
using System.Reflection;
using Plus.Inference;
using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Summarization;
using Plus.Torch.Tokenization;
using Plus.Training;

namespace Plus.Torch.Persistence;

/// <summary>
/// The result of training any method with the TorchSharp backend: its reward model, its summarizer (PLUS), Algorithm 2,
/// its training record, and <see cref="SaveAsync"/>/<see cref="Load"/> to a portable folder (layout and manifest
/// schema: docs/trained-models.md): the reward model as a transformers <c>*ForSequenceClassification</c> folder or a
/// PEFT adapter with the head in <c>modules_to_save</c>, the summarizer as a PEFT causal-LM adapter, the tokenizer
/// files, and <c>plus.json</c>.
/// </summary>
/// <remarks>
/// Disposing frees the models the instance owns (those it loaded, or that a DI trainer loaded for it). Prediction is
/// thread-safe as far as the summarizer and reward model are (both serialize calls on their model).
/// </remarks>
public sealed class TrainedModel : ITrainedPreferenceModel
{
    /// <summary>The reward model's sub-folder: <c>reward_model</c>.</summary>
    public const string RewardModelFolder = "reward_model";

    /// <summary>The summarizer adapter's sub-folder: <c>summarizer</c>.</summary>
    public const string SummarizerFolder = "summarizer";

    private static readonly ConcurrentDictionary<(string Path, DateTime Written), string> HashCache = new();
    private readonly TrainedModelParts _parts;
    private readonly ConditionedPreferenceModel _evaluation;
    private bool _disposed;

    /// <summary>Creates a trained model from its parts (trainers do this).</summary>
    /// <param name="parts">The parts.</param>
    /// <exception cref="ArgumentException">Summary conditioning without a summarizer.</exception>
    public TrainedModel(TrainedModelParts parts)
    {
        ArgumentNullException.ThrowIfNull(parts);
        ArgumentNullException.ThrowIfNull(parts.RewardModel);
        ArgumentNullException.ThrowIfNull(parts.Metadata);
        if (parts.Conditioning == ConditioningKind.Summary && parts.Summarizer is null)
            throw new ArgumentException("Summary conditioning needs a summarizer.", nameof(parts));
        _parts = parts;
        // All distinct contexts go to the summarizer in one call: it batches and seeds per batch itself.
        _evaluation = new ConditionedPreferenceModel(parts.Summarizer, parts.RewardModel, new ConditionedPreferenceModelOptions
        {
            Name = parts.Name, Kind = parts.Conditioning, SummaryBatchSize = int.MaxValue, RewardBatchSize = 64,
        });
        Predictor = new ConditionedPreferencePredictor(parts.RewardModel, parts.Conditioning, parts.Summarizer);
    }

    /// <inheritdoc />
    public string Name => _parts.Name;

    /// <summary>The parts the model was built from (to re-wrap them, e.g. with other owned resources).</summary>
    public TrainedModelParts Parts => _parts;

    /// <inheritdoc />
    public ConditioningKind Conditioning => _parts.Conditioning;

    /// <summary>The summarizer (PLUS and PLUS-untrained), or null.</summary>
    public TorchUserSummarizer? Summarizer => _parts.Summarizer;

    /// <summary>The summarizer's LoRA adapter (PLUS), or null.</summary>
    public LoraAdapter? SummarizerAdapter => _parts.SummarizerAdapter;

    /// <summary>The conditioned reward model.</summary>
    public ConditionedRewardModel RewardModel => _parts.RewardModel;

    /// <inheritdoc />
    IUserSummarizer? ITrainedPreferenceModel.Summarizer => _parts.Summarizer;

    /// <inheritdoc />
    IRewardModel ITrainedPreferenceModel.RewardModel => _parts.RewardModel;

    /// <inheritdoc />
    public IPreferencePredictor Predictor { get; }

    /// <inheritdoc />
    public TrainingMetadata Metadata => _parts.Metadata;

    /// <summary>The prompt renderer the reward model conditions with (domain and templates).</summary>
    public PromptRenderer Prompts => _parts.RewardModel.Encoder.Renderer.Prompts;

    /// <summary>The Plus.Sdk version written into manifests.</summary>
    public static string LibraryVersion { get; } =
        typeof(TrainedModel).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0]
        ?? typeof(TrainedModel).Assembly.GetName().Version?.ToString() ?? "0.0.0";

    /// <inheritdoc />
    public Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _evaluation.PredictChosenProbabilitiesAsync(examples, cancellationToken);
    }

    /// <summary>The summary of each distinct context, written as evaluation writes them (one call, seeded per batch).</summary>
    /// <param name="contexts">The contexts.</param>
    /// <param name="cancellationToken">Stops between batches.</param>
    /// <returns>Each distinct context's summary.</returns>
    /// <exception cref="InvalidOperationException">The method has no summarizer.</exception>
    public Task<IReadOnlyDictionary<UserContext, UserSummary>> SummarizeAsync(IEnumerable<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        return _evaluation.SummarizeDistinctAsync(contexts, cancellationToken);
    }

    /// <inheritdoc />
    /// <exception cref="IOException"><paramref name="directory"/> exists, is not empty and is not a saved model (it is never replaced then).</exception>
    /// <exception cref="InvalidOperationException">An adapter's base model was not loaded from a folder, so the adapter could not name it.</exception>
    public Task SaveAsync(string directory, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ObjectDisposedException.ThrowIf(_disposed, this);
        return Task.Run(() => Save(directory, cancellationToken), cancellationToken);
    }

    /// <summary>Opens a folder written by <see cref="SaveAsync"/> (in any process).</summary>
    /// <param name="directory">The folder.</param>
    /// <param name="options">Device, dtype, a base-model location, sampling overrides; null for the defaults (CPU, fp32).</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="TrainedModelException">No manifest, an unknown format version, a missing or altered file, a base model that is missing or not the one trained on, a path that leaves the folder; the message names the file.</exception>
    /// <exception cref="ArgumentException">An option is invalid.</exception>
    public static TrainedModel Load(string directory, TrainedModelLoadOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        (string root, string manifestPath, var manifest, options) = TrainedModelStore.ReadManifest(directory, options);
        if (!TrainedModelStore.CoreRewardFormats.Contains(manifest.RewardModel.Format))
        {
            throw new TrainedModelException(
                $"'{manifestPath}': reward_model.format '{manifest.RewardModel.Format}' is not read by TrainedModel.Load (it reads {string.Join(" and ", TrainedModelStore.CoreRewardFormats)}); open DPL and VPL models with Plus.Baselines' TrainedModels.Load.",
                manifestPath);
        }

        var device = TorchRuntime.ResolveDevice(options.Device ?? "cpu");
        var dtype = TorchRuntime.ResolveDType(options.DType, device);
        var domain = PromptTemplateOptions.ParseDomain(manifest.Domain);
        var renderer = new PromptRenderer(domain, manifest.Prompts);
        var owned = new List<IDisposable>();
        try
        {
            var conditioned = TrainedModelStore.ReadRewardModel(root, manifestPath, manifest, options, owned);

            TorchUserSummarizer? summarizer = null;
            LoraAdapter? adapter = null;
            if (manifest.Summarizer is { } s)
            {
                string basePath = ResolveBase(s.BaseModel, options, manifestPath, "summarizer");
                var lm = CausalLM.FromPretrained(basePath, device, dtype);
                owned.Add(lm);
                string? adapterDir = s.Path is null ? null : TrainedModelManifest.ResolveInside(root, s.Path, manifestPath);
                if (s.Format == "peft-lora") adapter = LoraAdapter.Load(lm, adapterDir!);
                lm.eval();
                var summarizerTokenizer = HfTokenizer.Load(adapterDir is not null && File.Exists(Path.Combine(adapterDir, HfTokenizer.TokenizerFileName)) ? adapterDir : basePath);
                var generator = new TextGenerator(lm, summarizerTokenizer, ChatFormatters.FromName(s.ChatFormat, s.DefaultSystemMessage));
                var sampling = s.Sampling;
                var summarizerOptions = new SummarizerOptions
                {
                    Domain = domain,
                    MaxSummaryTokens = options.MaxSummaryTokens ?? sampling.MaxSummaryTokens,
                    MaxSummaryWords = sampling.MaxSummaryWords,
                    DoSample = !options.GreedySummaries && sampling.DoSample,
                    Temperature = options.SummaryTemperature ?? sampling.Temperature,
                    TopP = sampling.TopP,
                    TopK = sampling.TopK,
                    Seed = options.SummarySeed ?? sampling.Seed,
                    BatchSize = sampling.BatchSize,
                    ModelName = manifest.Method,
                };
                summarizer = new TorchUserSummarizer(generator, renderer, summarizerOptions);
            }

            var t = manifest.Training;
            var metadata = TrainedModelStore.Metadata(manifest);
            return new TrainedModel(new TrainedModelParts
            {
                Name = manifest.Method,
                Conditioning = ParseConditioning(manifest.Conditioning),
                RewardModel = conditioned,
                Summarizer = summarizer,
                SummarizerAdapter = adapter,
                Metadata = metadata,
                TrainingOptions = t.Options,
                Owned = [.. Enumerable.Reverse(owned)],
            });
        }
        catch
        {
            foreach (var d in Enumerable.Reverse(owned)) d.Dispose();
            throw;
        }
    }

    /// <summary>The manifest name of a conditioning kind (<c>none</c>, <c>summary</c>, <c>context</c>, <c>oracle</c>).</summary>
    /// <param name="kind">The kind.</param>
    /// <returns>The name.</returns>
    public static string ConditioningName(ConditioningKind kind) => kind switch
    {
        ConditioningKind.None => "none",
        ConditioningKind.Summary => "summary",
        ConditioningKind.Context => "context",
        ConditioningKind.Oracle => "oracle",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown conditioning kind."),
    };

    /// <summary>Disposes the models this instance owns.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var d in _parts.Owned) d.Dispose();
    }

    private static ConditioningKind ParseConditioning(string name) => name switch
    {
        "none" => ConditioningKind.None,
        "summary" => ConditioningKind.Summary,
        "context" => ConditioningKind.Context,
        _ => ConditioningKind.Oracle,
    };

    private void Save(string directory, CancellationToken cancellationToken) => TrainedModelStore.SaveAtomically(directory, WriteParts, cancellationToken);

    private TrainedModelManifest WriteParts(string folder, CancellationToken cancellationToken)
    {
        var reward = _parts.RewardModel;
        var rewardEntry = TrainedModelStore.WriteRewardModel(reward, folder);
        cancellationToken.ThrowIfCancellationRequested();
        ManifestSummarizer? summarizerEntry = null;
        if (_parts.Summarizer is { } summarizer)
        {
            var generator = summarizer.Generator;
            var baseRef = Reference(generator.Model.SourceDirectory, "summarizer");
            string? path = null;
            if (_parts.SummarizerAdapter is { } adapter)
            {
                path = SummarizerFolder;
                string adapterDir = Path.Combine(folder, SummarizerFolder);
                adapter.Save(adapterDir, taskType: PeftAdapterConfig.CausalLMTask, baseModelNameOrPath: baseRef.NameOrPath);
                generator.Tokenizer.Save(adapterDir);
            }

            var o = summarizer.Options;
            summarizerEntry = new ManifestSummarizer(
                path, _parts.SummarizerAdapter is null ? "base" : "peft-lora", baseRef, generator.Formatter.Name, TrainedModelStore.SystemMessage(generator.Formatter),
                new ManifestSampling(o.MaxSummaryTokens, o.MaxSummaryWords, o.DoSample, o.Temperature, o.TopP, o.TopK, o.Seed, o.BatchSize));
        }

        var m = _parts.Metadata;
        return new TrainedModelManifest
        {
            LibraryVersion = LibraryVersion,
            Method = Name,
            Conditioning = ConditioningName(Conditioning),
            Domain = Prompts.Domain.ToString().ToLowerInvariant(),
            Prompts = Prompts.Templates,
            RewardModel = rewardEntry,
            Summarizer = summarizerEntry,
            Training = TrainedModelStore.Training(m, _parts.TrainingOptions),
        };
    }

    internal static ModelReference Reference(string? source, string role)
    {
        if (source is null)
        {
            throw new InvalidOperationException(
                $"The {role}'s base model was not loaded from a folder (its SourceDirectory is null), so its adapter cannot name a base model; load the base with FromPretrained.");
        }

        string sha = HashOf(source);
        string? defaultName = DefaultModels.IsTinyQwen2Available && sha == HashOf(DefaultModels.ExtractTinyQwen2()) ? DefaultModels.TinyQwen2 : null;
        return new ModelReference(source, defaultName, sha);
    }

    private static string HashOf(string folder)
    {
        string config = Path.Combine(folder, "config.json");
        var key = (Path.GetFullPath(folder), File.Exists(config) ? Directory.EnumerateFiles(folder).Max(File.GetLastWriteTimeUtc) : DateTime.MinValue);
        return HashCache.GetOrAdd(key, k => ContentHash.OfModelFolder(k.Path));
    }

    internal static string ResolveBase(ModelReference reference, TrainedModelLoadOptions options, string manifestPath, string role)
    {
        var candidates = new List<string>();
        if (options.BaseModelPath is { } given) candidates.Add(given);
        if (reference.DefaultModel == DefaultModels.TinyQwen2 && DefaultModels.IsTinyQwen2Available) candidates.Add(DefaultModels.ExtractTinyQwen2());
        candidates.Add(reference.NameOrPath);
        string? mismatch = null;
        foreach (var candidate in candidates.Where(Directory.Exists))
        {
            string sha = HashOf(candidate);
            if (sha == reference.Sha256 || !options.VerifyFiles) return candidate;
            mismatch ??= $"'{candidate}' (sha256 {sha[..12]}…)";
        }

        if (mismatch is not null)
        {
            throw new TrainedModelException(
                $"The {role}'s base model {mismatch} is not the one this model was trained on (sha256 {reference.Sha256[..Math.Min(12, reference.Sha256.Length)]}… in '{manifestPath}'); pass the right folder as BaseModelPath.",
                manifestPath);
        }

        throw new TrainedModelException(
            $"The {role}'s base model '{reference.NameOrPath}' named in '{manifestPath}' was not found; put it there or pass its folder as TrainedModelLoadOptions.BaseModelPath (Plus:Model:BaseModelPath).",
            manifestPath);
    }
}
