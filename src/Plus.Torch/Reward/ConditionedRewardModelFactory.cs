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
    private readonly Lazy<IChatFormatter> _formatter;

    /// <summary>Creates the factory.</summary>
    /// <param name="options">The backend options (validated by <see cref="TorchBackendOptionsValidator"/> when registered through DI).</param>
    /// <param name="renderer">Writes the conditioning into prompts (Plus.Core's templates for the configured domain).</param>
    public ConditionedRewardModelFactory(TorchBackendOptions options, ConditioningRenderer renderer)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(renderer);
        if (string.IsNullOrWhiteSpace(options.ModelPath))
        {
            throw new ArgumentException($"{TorchBackendOptions.SectionName}:{nameof(TorchBackendOptions.ModelPath)} is required.", nameof(options));
        }

        Options = options;
        Renderer = renderer;
        _tokenizer = new Lazy<HfTokenizer>(() => HfTokenizer.Load(options.TokenizerPath ?? options.ModelPath!), LazyThreadSafetyMode.ExecutionAndPublication);
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
    public ConditionedRewardModel Create()
    {
        var device = TorchRuntime.ResolveDevice(Options.Device);
        var dtype = Options.DType.Trim().ToLowerInvariant() switch
        {
            "bfloat16" => ScalarType.BFloat16,
            "float16" => ScalarType.Float16,
            _ => ScalarType.Float32,
        };
        var encoder = CreateEncoder();
        var model = RewardModel.FromPretrained(Options.ModelPath!, device, dtype, newHeadSeed: Options.HeadSeed);
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
