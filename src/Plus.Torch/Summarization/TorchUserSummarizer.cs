using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Generation;
using Plus.Torch.Reward;

namespace Plus.Torch.Summarization;

/// <summary>
/// The PLUS summarizer on a local model (the paper's π<sub>θ</sub>): renders each user context with the domain's
/// summarizer prompt (appendix D, <see cref="PromptRenderer"/>), applies the chat format with the generation prompt,
/// samples a reply (<see cref="SummarizerOptions"/>) and extracts the summary after <c>##Summary</c>
/// (<see cref="SummaryExtractor"/>, capped at <see cref="SummarizerOptions.MaxSummaryWords"/> words and
/// <see cref="SummarizerOptions.MaxSummaryTokens"/> tokens of the model's tokenizer).
/// </summary>
/// <remarks>
/// <para><see cref="SummarizeAsync"/> and <see cref="SummarizeForTraining"/> share one rendering and generation path, so
/// the PPO trainer trains exactly the summarizer that inference runs. Thread-safety: safe to call from several
/// threads; generations on one model are serialized (see <see cref="TextGenerator"/>); the counters are updated atomically.</para>
/// <para><b>Length.</b> A prompt always fits the model: its tokens are at most the model's
/// <c>max_position_embeddings</c> less <see cref="SummarizerOptions.MaxSummaryTokens"/>, so the summary has room.
/// A longer prompt is cut, in this order, until it fits: (1) the oldest past pairs of the context, keeping at least
/// the newest one; (2) tokens from the middle of the longest texts of the kept pairs (prompt turns, chosen and
/// rejected responses), replaced by <c> ... </c> so each keeps its start and its end. The profile, the attribute
/// hints and the template's own text are never cut; the prompt holds no response being scored (the target pair is
/// not in it). A prompt that still does not fit is an <see cref="ArgumentException"/> that
/// names the context and the lengths. A prompt that fits is rendered exactly as before, untouched.
/// <see cref="Statistics"/> counts every cut.</para>
/// </remarks>
public sealed class TorchUserSummarizer : IUserSummarizer
{
    private readonly SummaryExtractor _extractor;
    private long _prompts;
    private long _truncated;
    private long _droppedPairs;
    private long _shortenedTurns;

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

    /// <summary>A snapshot of the truncation counters (prompts rendered for generation and what was cut to fit them).</summary>
    public SummarizerTruncationStats Statistics => new(
        Interlocked.Read(ref _prompts),
        Interlocked.Read(ref _truncated),
        Interlocked.Read(ref _droppedPairs),
        Interlocked.Read(ref _shortenedTurns));

    /// <summary>Sets every counter back to zero.</summary>
    public void ResetStatistics()
    {
        Interlocked.Exchange(ref _prompts, 0);
        Interlocked.Exchange(ref _truncated, 0);
        Interlocked.Exchange(ref _droppedPairs, 0);
        Interlocked.Exchange(ref _shortenedTurns, 0);
    }

    /// <summary>
    /// The chat-formatted prompt the model continues for <paramref name="context"/> under <see cref="Options"/>:
    /// cut to fit the model's positions less <see cref="SummarizerOptions.MaxSummaryTokens"/> when it is longer
    /// (see the class remarks). Not counted in <see cref="Statistics"/>.
    /// </summary>
    /// <param name="context">The user's context.</param>
    /// <exception cref="ArgumentException">The prompt does not fit even after every cut; the message gives the lengths.</exception>
    public string RenderPrompt(UserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Fit(context, -1, Options.MaxSummaryTokens).Text;
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
    /// <exception cref="ArgumentException">A null context, or one whose prompt does not fit the model even after every cut (see the class remarks).</exception>
    /// <exception cref="OperationCanceledException">Cancelled between batches or decoding steps.</exception>
    public async Task<IReadOnlyList<UserSummary>> SummarizeAsync(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default)
    {
        var prompts = RenderAll(contexts, Options.MaxSummaryTokens);
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
    /// <exception cref="ArgumentException">No context, a null one, or one whose prompt does not fit the model even after every cut (see the class remarks).</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public SummaryRollout SummarizeForTraining(IReadOnlyList<UserContext> contexts, SummarizerOptions? options = null, CancellationToken cancellationToken = default)
    {
        options ??= Options;
        var prompts = RenderAll(contexts, options.MaxSummaryTokens);
        if (prompts.Count == 0) throw new ArgumentException("At least one context is needed.", nameof(contexts));
        var result = Generator.GenerateWithTensors(prompts, ToGenerationOptions(options), cancellationToken);
        var summaries = result.Completions.Select(c => _extractor.ToUserSummary(c.Text, options.ModelName ?? Options.ModelName)).ToArray();
        return new SummaryRollout([.. contexts], summaries, result);
    }

    private List<string> RenderAll(IReadOnlyList<UserContext> contexts, int maxSummaryTokens)
    {
        ArgumentNullException.ThrowIfNull(contexts);
        var prompts = new List<string>(contexts.Count);
        long truncated = 0, droppedPairs = 0, shortenedTurns = 0;
        for (int i = 0; i < contexts.Count; i++)
        {
            var fitted = Fit(contexts[i] ?? throw new ArgumentException($"contexts[{i}] is null.", nameof(contexts)), i, maxSummaryTokens);
            prompts.Add(fitted.Text);
            if (fitted.DroppedPairs > 0 || fitted.ShortenedTurns > 0) truncated++;
            droppedPairs += fitted.DroppedPairs;
            shortenedTurns += fitted.ShortenedTurns;
        }

        Interlocked.Add(ref _prompts, prompts.Count);
        Interlocked.Add(ref _truncated, truncated);
        Interlocked.Add(ref _droppedPairs, droppedPairs);
        Interlocked.Add(ref _shortenedTurns, shortenedTurns);
        return prompts;
    }

    private string Format(UserContext context) => Generator.FormatPrompt(Renderer.RenderSummarizerPrompt(context));

    /// <summary>The prompt of <paramref name="context"/>, cut as the class remarks describe when it does not leave room for the summary.</summary>
    private FittedPrompt Fit(UserContext context, int index, int maxSummaryTokens)
    {
        var tokenizer = Generator.Tokenizer;
        string text = Format(context);
        IReadOnlyList<int> ids = tokenizer.Encode(text);
        int positions = Generator.Model.Config.MaxPositionEmbeddings;
        int budget = positions - maxSummaryTokens;
        if (ids.Count <= budget) return new FittedPrompt(text, 0, 0);

        // 1. The oldest past pairs, keeping the newest.
        var pairs = context.Pairs.ToList();
        int dropped = 0;
        while (ids.Count > budget && pairs.Count > 1)
        {
            pairs.RemoveAt(0);
            dropped++;
            text = Format(context with { Pairs = new ValueList<PreferencePair>(pairs) });
            ids = tokenizer.Encode(text);
        }

        // 2. The middle of the longest texts of the kept pairs: prompt turns, chosen and rejected responses.
        var shortened = new HashSet<int>();
        if (ids.Count > budget && pairs.Count > 0)
        {
            var texts = new List<string>();
            foreach (var pair in pairs)
            {
                texts.AddRange(pair.Prompt.Turns.Select(t => t.Content));
                texts.Add(pair.Chosen);
                texts.Add(pair.Rejected);
            }

            ids = MiddleCut.Apply(tokenizer, texts, ids, budget, () =>
            {
                text = Format(context with { Pairs = Rebuild(pairs, texts) });
                return tokenizer.Encode(text);
            }, shortened);
        }

        if (ids.Count > budget)
        {
            string where = index >= 0 ? $"contexts[{index}]" : "The context";
            throw new SummarizerPromptTooLongException(
                index,
                $"{where}: its summarizer prompt has {ids.Count} tokens after dropping {dropped} of its {context.Pairs.Count} past pairs (the newest is kept) and shortening {shortened.Count} turns in the middle, " +
                $"more than the {budget} that the model's {positions} positions (config max_position_embeddings) leave after SummarizerOptions.MaxSummaryTokens {maxSummaryTokens}: " +
                "lower MaxSummaryTokens, shorten the profile or the newest pair, or use a model with more positions.");
        }

        return new FittedPrompt(text, dropped, shortened.Count);
    }

    /// <summary>The pairs with their texts replaced, in the order <see cref="Fit"/> listed them.</summary>
    private static ValueList<PreferencePair> Rebuild(List<PreferencePair> pairs, List<string> texts)
    {
        var result = new List<PreferencePair>(pairs.Count);
        int k = 0;
        foreach (var pair in pairs)
        {
            var turns = pair.Prompt.Turns.Select(t => t with { Content = texts[k++] }).ToList();
            var prompt = pair.Prompt with { Turns = new ValueList<ChatTurn>(turns) };
            result.Add(pair with { Prompt = prompt, Chosen = texts[k++], Rejected = texts[k++] });
        }

        return new ValueList<PreferencePair>(result);
    }

    private readonly record struct FittedPrompt(string Text, int DroppedPairs, int ShortenedTurns);
}
