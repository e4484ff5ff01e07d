using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Generation;

namespace Plus.Torch.Summarization;

/// <summary>
/// The PLUS summarizer on a local model (the paper's π<sub>θ</sub>): renders each user context with the domain's
/// summarizer prompt (appendix D, <see cref="PromptRenderer"/>), applies the chat format with the generation prompt,
/// samples a reply (<see cref="SummarizerOptions"/>) and extracts the summary after <c>##Summary</c>
/// (<see cref="SummaryExtractor"/>, capped at <see cref="SummarizerOptions.MaxSummaryWords"/> words and
/// <see cref="SummarizerOptions.MaxSummaryTokens"/> tokens of the model's tokenizer).
/// </summary>
/// <remarks>
/// <see cref="SummarizeAsync"/> and <see cref="SummarizeForTraining"/> share one rendering and generation path, so
/// the PPO trainer trains exactly the summarizer that inference runs. Thread-safety: safe to call from several
/// threads; generations on one model are serialized (see <see cref="TextGenerator"/>).
/// </remarks>
public sealed class TorchUserSummarizer : IUserSummarizer
{
    private readonly SummaryExtractor _extractor;

    /// <summary>Creates a summarizer.</summary>
    /// <param name="generator">The text generator over the summarizer model.</param>
    /// <param name="renderer">The prompt renderer; null uses the paper's templates for <see cref="SummarizerOptions.Domain"/>.</param>
    /// <param name="options">Generation and extraction options; null uses the defaults.</param>
    /// <param name="extractor">The extractor; null builds one from the options and the tokenizer.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public TorchUserSummarizer(TextGenerator generator, PromptRenderer? renderer = null, SummarizerOptions? options = null, SummaryExtractor? extractor = null)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Options = options ?? new SummarizerOptions();
        Options.Validate();
        Generator = generator;
        Renderer = renderer ?? new PromptRenderer(Options.Domain);
        _extractor = extractor ?? new SummaryExtractor(Options.MaxSummaryWords, Options.MaxSummaryTokens, text => generator.Tokenizer.Encode(text).Count);
    }

    /// <summary>The text generator.</summary>
    public TextGenerator Generator { get; }

    /// <summary>The prompt renderer (its domain picks the wording).</summary>
    public PromptRenderer Renderer { get; }

    /// <summary>The default options.</summary>
    public SummarizerOptions Options { get; }

    /// <summary>The chat-formatted prompt the model continues for <paramref name="context"/>.</summary>
    /// <param name="context">The user's context.</param>
    public string RenderPrompt(UserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Generator.FormatPrompt(Renderer.RenderSummarizerPrompt(context));
    }

    /// <summary>The text-generation options that <paramref name="options"/> stand for (end-of-turn stops; no stop sequences).</summary>
    /// <param name="options">The summarizer options; null uses <see cref="Options"/>.</param>
    public TextGenerationOptions ToGenerationOptions(SummarizerOptions? options = null)
    {
        options ??= Options;
        options.Validate();
        return new TextGenerationOptions
        {
            Generation = new GenerationOptions
            {
                MaxNewTokens = options.MaxSummaryTokens,
                DoSample = options.DoSample,
                Temperature = options.Temperature,
                TopP = options.TopP,
                TopK = options.TopK,
                Seed = options.Seed,
            },
        };
    }

    /// <inheritdoc />
    /// <remarks>Runs in batches of <see cref="SummarizerOptions.BatchSize"/> on the thread pool; batch <c>i</c> is seeded with <c>Seed + i</c>.</remarks>
    /// <exception cref="OperationCanceledException">Cancelled between batches or decoding steps.</exception>
    public async Task<IReadOnlyList<UserSummary>> SummarizeAsync(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        var prompts = RenderAll(contexts);
        var summaries = new List<UserSummary>(prompts.Count);
        int batchIndex = 0;
        for (int start = 0; start < prompts.Count; start += Options.BatchSize, batchIndex++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batchOptions = Options.Seed is long seed ? Options with { Seed = seed + batchIndex } : Options;
            var batch = prompts.Skip(start).Take(Options.BatchSize).ToList();
            var completions = await Generator.GenerateTextAsync(batch, ToGenerationOptions(batchOptions), cancellationToken).ConfigureAwait(false);
            summaries.AddRange(completions.Select(c => _extractor.ToUserSummary(c.Text, Options.ModelName)));
        }

        return summaries;
    }

    /// <summary>
    /// Summarizes one batch for training and keeps the generation tensors (prompt + summary ids, attention mask,
    /// new-token mask, per-token sampling log-probs) so a PPO step can score, compute reference log-probs and values
    /// on exactly these tokens. Runs on the calling thread, as one batch (no splitting by <see cref="SummarizerOptions.BatchSize"/>).
    /// </summary>
    /// <param name="contexts">The contexts (at least one), one row each.</param>
    /// <param name="options">Options for this call (for example a fresh seed per step); null uses <see cref="Options"/>.</param>
    /// <param name="cancellationToken">Checked between decoding steps.</param>
    /// <returns>The rollout; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">No context, or a null one.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public SummaryRollout SummarizeForTraining(IReadOnlyList<UserContext> contexts, SummarizerOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prompts = RenderAll(contexts);
        if (prompts.Count == 0) throw new ArgumentException("At least one context is needed.", nameof(contexts));
        options ??= Options;
        var result = Generator.GenerateWithTensors(prompts, ToGenerationOptions(options), cancellationToken);
        var summaries = result.Completions.Select(c => _extractor.ToUserSummary(c.Text, options.ModelName ?? Options.ModelName)).ToArray();
        return new SummaryRollout([.. contexts], summaries, result);
    }

    private List<string> RenderAll(IReadOnlyList<UserContext> contexts)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        var prompts = new List<string>(contexts.Count);
        for (int i = 0; i < contexts.Count; i++)
        {
            prompts.Add(RenderPrompt(contexts[i] ?? throw new ArgumentException($"contexts[{i}] is null.", nameof(contexts))));
        }

        return prompts;
    }
}
