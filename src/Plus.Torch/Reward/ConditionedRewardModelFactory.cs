using Plus.Prompts;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Torch.Reward;

/// <summary>
/// Builds <see cref="ConditionedRewardModel"/>s from <see cref="TorchBackendOptions"/>: loads the tokenizer once, and
/// a fresh model from <see cref="TorchBackendOptions.ModelPath"/> (plus <see cref="TorchBackendOptions.AdapterPath"/>)
/// on every <see cref="Create"/>. Registered by <c>AddTorchBackend()</c>; trainers call it once per run.
/// </summary>
/// <remarks>Thread-safe.</remarks>
public sealed class ConditionedRewardModelFactory
{
    private readonly Lazy<HfTokenizer> _tokenizer;
    private readonly Lazy<string> _modelPath;
    private readonly Lazy<IChatFormatter> _formatter;

    /// <summary>Creates the factory.</summary>
    /// <param name="options">The backend options (validated by <see cref="TorchBackendOptions.Validate"/> when registered through DI).</param>
    /// <param name="renderer">Writes the conditioning into prompts (Plus.Core's templates for the configured domain).</param>
    public ConditionedRewardModelFactory(TorchBackendOptions options, ConditioningRenderer renderer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(renderer);
        Options = options;
        Renderer = renderer;
        _modelPath = new Lazy<string>(() => options.ModelPath ?? DefaultModels.ExtractTinyQwen2(), LazyThreadSafetyMode.ExecutionAndPublication);
        _tokenizer = new Lazy<HfTokenizer>(() => HfTokenizer.Load(options.TokenizerPath ?? ModelPath), LazyThreadSafetyMode.ExecutionAndPublication);
        _formatter = new Lazy<IChatFormatter>(
            () => options.ChatFormat is { } name
                ? ChatFormatters.FromName(name, options.DefaultSystemMessage)
                : ChatFormatters.ForTokenizer(Tokenizer, options.DefaultSystemMessage),
            LazyThreadSafetyMode.ExecutionAndPublication);
    }

    /// <summary>The options.</summary>
    public TorchBackendOptions Options { get; }

    /// <summary>The conditioning renderer.</summary>
    public ConditioningRenderer Renderer { get; }

    /// <summary>The tokenizer (loaded on first use).</summary>
    public HfTokenizer Tokenizer => _tokenizer.Value;

    /// <summary>The chat format (from <see cref="TorchBackendOptions.ChatFormat"/> or the tokenizer's template).</summary>
    public IChatFormatter Formatter => _formatter.Value;

    /// <summary>A new text encoder over the tokenizer, chat format and renderer.</summary>
    /// <returns>The encoder.</returns>
    public RewardTextEncoder CreateEncoder() => new(Tokenizer, Formatter, Renderer, Options.MaxSequenceLength);

    /// <summary>Loads a fresh reward model (its own weights and encoder); the caller disposes it.</summary>
    /// <returns>The model.</returns>
    /// <exception cref="Checkpoints.CheckpointException">The checkpoint or adapter is invalid.</exception>
    public ConditionedRewardModel Create() => CreateModel();

    /// <summary>
    /// A reward model for inference: the backend's folder must hold a trained head (a <c>*ForSequenceClassification</c>
    /// checkpoint, or an adapter that saved <c>score</c>). A language model with a freshly drawn head is refused.
    /// </summary>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="InvalidOperationException">The folder has no trained reward head; the message says how to serve a trained model.</exception>
    public ConditionedRewardModel CreateTrained()
    {
        var model = CreateModel();
        if (!model.Model.HeadTrained)
        {
            model.Dispose();
            throw new InvalidOperationException(
                $"{TorchBackendOptions.SectionName}:{nameof(TorchBackendOptions.ModelPath)} '{ModelPath}' holds a language model without a trained reward head, so an IRewardModel from it would score at random. " +
                "Train one (an IPreferenceTrainer), save it with SaveAsync, and serve the saved folder with AddPlusModel(directory).");
        }

        return model;
    }

    /// <summary>The model folder in use: <see cref="TorchBackendOptions.ModelPath"/>, or the embedded default model when it is unset.</summary>
    public string ModelPath => _modelPath.Value;

    /// <summary>The device the options name.</summary>
    public Device Device => TorchRuntime.ResolveDevice(Options.Device);

    /// <summary>The dtype the options name for <see cref="Device"/> (<c>auto</c>: bf16 on CUDA, fp32 on the CPU).</summary>
    public ScalarType DType => TorchRuntime.ResolveDType(Options.DType, Device);

    private ConditionedRewardModel CreateModel()
    {
        var device = Device;
        var dtype = DType;
        var encoder = CreateEncoder();
        var model = RewardModel.FromPretrained(ModelPath, device, dtype, newHeadSeed: Options.HeadSeed);
        try
        {
            if (Options.AdapterPath is { } adapter) model.LoadAdapter(adapter);
            return new ConditionedRewardModel(model, encoder, Options.ScoreBatchSize);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }
}
