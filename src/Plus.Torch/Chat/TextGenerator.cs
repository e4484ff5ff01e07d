using System.Runtime.CompilerServices;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Torch.Chat;

/// <summary>
/// Text-level generation over a <see cref="CausalLM"/>, its <see cref="HfTokenizer"/> and an
/// <see cref="IChatFormatter"/>: conversations are chat-formatted with the generation prompt, encoded, left-padded
/// (position ids come from the attention mask) and generated in one batch by <see cref="TokenGenerator"/>. Rows stop
/// at the tokenizer's end-of-turn tokens, at extra stop token ids and at stop sequences (text); each row gets its
/// text, token ids, per-token log-probs and finish reason.
/// </summary>
/// <remarks>
/// Thread-safety: every generation takes a lock that belongs to the model instance, so concurrent calls through any
/// number of <see cref="TextGenerator"/>s, chat clients or summarizers over one <see cref="CausalLM"/> run one after
/// the other. Training the same model at the same time is not guarded: do not overlap it with generation.
/// The model and tokenizer are not owned (not disposed here).
/// </remarks>
public sealed class TextGenerator
{
    private readonly TokenGenerator _generator;
    private readonly SemaphoreSlim _gate;

    /// <summary>Creates a text generator.</summary>
    /// <param name="model">The language model; not owned.</param>
    /// <param name="tokenizer">Its tokenizer; every prompt id must be below the model's vocabulary size.</param>
    /// <param name="formatter">
    /// The chat format; null picks it from the tokenizer's <c>chat_template</c>
    /// (<see cref="ChatFormatters.ForTokenizer"/>), or ChatML when the tokenizer has no template.
    /// </param>
    public TextGenerator(CausalLM model, HfTokenizer tokenizer, IChatFormatter? formatter = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(tokenizer);
        Model = model;
        Tokenizer = tokenizer;
        Formatter = formatter ?? (tokenizer.ChatTemplate is null ? new ChatMlFormatter() : ChatFormatters.ForTokenizer(tokenizer));
        _generator = new TokenGenerator(model);
        _gate = ModelGate.For(model);
    }

    /// <summary>The model.</summary>
    public CausalLM Model { get; }

    /// <summary>The tokenizer.</summary>
    public HfTokenizer Tokenizer { get; }

    /// <summary>The chat format applied to conversations.</summary>
    public IChatFormatter Formatter { get; }

    /// <summary>The pad id written into batches: the tokenizer's pad token, else its EOS token, else 0 (0 too when that id is outside the model's vocabulary).</summary>
    public int PadTokenId
    {
        get
        {
            int pad = Tokenizer.PadTokenId ?? Tokenizer.EosTokenId ?? 0;
            return pad < Model.Config.VocabSize ? pad : 0;
        }
    }

    /// <summary>The prompt text of a conversation: its turns in the chat format, followed by the generation prompt.</summary>
    /// <param name="conversation">The conversation.</param>
    /// <exception cref="ArgumentException">A turn has a role the format cannot render.</exception>
    public string FormatPrompt(Conversation conversation)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        return Formatter.Format(conversation.Turns, addGenerationPrompt: true);
    }

    /// <summary>Generates a reply to each conversation, in one batch.</summary>
    /// <param name="prompts">The conversations (at least one).</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked between decoding steps.</param>
    /// <returns>One completion per conversation, in order.</returns>
    /// <exception cref="ArgumentException">No prompt, a prompt that encodes to no tokens, a token id outside the model's vocabulary, or a prompt whose tokens plus MaxNewTokens exceed the model's max_position_embeddings.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<TextCompletion> Generate(IReadOnlyList<Conversation> prompts, TextGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var result = GenerateWithTensors(FormatAll(prompts), options, cancellationToken);
        return result.Completions;
    }

    /// <summary>Continues each raw prompt text (no chat format is applied), in one batch.</summary>
    /// <param name="promptTexts">The texts (at least one); special-token strings in them map to their ids.</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked between decoding steps.</param>
    /// <returns>One completion per text, in order.</returns>
    /// <exception cref="ArgumentException">No prompt, a prompt that encodes to no tokens, a token id outside the model's vocabulary, or a prompt whose tokens plus MaxNewTokens exceed the model's max_position_embeddings.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public IReadOnlyList<TextCompletion> GenerateText(IReadOnlyList<string> promptTexts, TextGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        using var result = GenerateWithTensors(promptTexts, options, cancellationToken);
        return result.Completions;
    }

    /// <summary>Generates on the thread pool; see <see cref="Generate"/>.</summary>
    /// <param name="prompts">The conversations (at least one).</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked while waiting for the model and between decoding steps.</param>
    /// <returns>One completion per conversation, in order.</returns>
    public Task<IReadOnlyList<TextCompletion>> GenerateAsync(IReadOnlyList<Conversation> prompts, TextGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        GenerateTextAsync(FormatAll(prompts), options, cancellationToken);

    /// <summary>Continues raw prompt texts on the thread pool; see <see cref="GenerateText"/>.</summary>
    /// <param name="promptTexts">The texts (at least one).</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked while waiting for the model and between decoding steps.</param>
    /// <returns>One completion per text, in order.</returns>
    public async Task<IReadOnlyList<TextCompletion>> GenerateTextAsync(IReadOnlyList<string> promptTexts, TextGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prepared = Prepare(promptTexts, options);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            return await Task.Run(
                () =>
                {
                    using var result = RunLocked(prepared, cancellationToken);
                    return result.Completions;
                },
                cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Continues raw prompt texts in one batch and also returns the batched tensors (left-padded prompt + new tokens,
    /// attention mask, new-token mask, per-token log-probs) for training. Runs on the calling thread.
    /// </summary>
    /// <param name="promptTexts">The texts (at least one), already chat-formatted if they should be.</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked while waiting for the model and between decoding steps.</param>
    /// <returns>The completions and the tensors; the caller disposes it.</returns>
    /// <exception cref="ArgumentException">No prompt, a prompt that encodes to no tokens, a token id outside the model's vocabulary, or a prompt whose tokens plus MaxNewTokens exceed the model's max_position_embeddings.</exception>
    /// <exception cref="OperationCanceledException">Cancelled.</exception>
    public TextGenerationResult GenerateWithTensors(IReadOnlyList<string> promptTexts, TextGenerationOptions? options = null, CancellationToken cancellationToken = default)
    {
        var prepared = Prepare(promptTexts, options);
        _gate.Wait(cancellationToken);
        try
        {
            return RunLocked(prepared, cancellationToken);
        }
        finally
        {
            _gate.Release();
        }
    }

    /// <summary>
    /// Streams the reply to one conversation: one update per generated token, each carrying the new text since the
    /// previous one. A partial UTF-8 character and any text that may be the start of a stop sequence are held back
    /// until they are settled, so the concatenated text equals what <see cref="Generate"/> returns for the same
    /// prompt, options and seed. The last update carries the whole <see cref="TextCompletion"/>.
    /// </summary>
    /// <param name="prompt">The conversation.</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked while waiting for the model and between decoding steps.</param>
    /// <returns>The updates. The model's lock is held until the enumeration ends or is disposed.</returns>
    public IAsyncEnumerable<TextGenerationUpdate> StreamAsync(Conversation prompt, TextGenerationOptions? options = null, CancellationToken cancellationToken = default) =>
        StreamTextAsync(FormatPrompt(prompt), options, cancellationToken);

    /// <summary>Streams the continuation of one raw prompt text; see <see cref="StreamAsync"/>.</summary>
    /// <param name="promptText">The text (no chat format is applied).</param>
    /// <param name="options">How to generate; null is greedy with at most 64 new tokens.</param>
    /// <param name="cancellationToken">Checked while waiting for the model and between decoding steps.</param>
    /// <returns>The updates.</returns>
    public async IAsyncEnumerable<TextGenerationUpdate> StreamTextAsync(
        string promptText,
        TextGenerationOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(promptText);
        var prepared = Prepare([promptText], options);
        await _gate.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            var (ids, mask, positions) = TokenizedBatch.FromRows(prepared.Rows, padLeft: true, PadTokenId).ToTensors(Model.Device);
            using var idsOwner = ids;
            using var maskOwner = mask;
            using var positionsOwner = positions;
            var tokens = new List<int>();
            var logProbs = new List<float>();
            int emitted = 0;
            bool finished = false;
            await foreach (var step in _generator.StreamAsync(ids, mask, prepared.Generation, cancellationToken).ConfigureAwait(false))
            {
                if (!step.Active[0]) continue;
                int id = step.TokenIds[0];
                float lp = step.LogProbs[0];
                tokens.Add(id);
                logProbs.Add(lp);
                if (step.FinishReasons[0] is FinishReason reason)
                {
                    var completion = Complete(prepared, 0, new GeneratedSequence([.. tokens], [.. logProbs], reason));
                    finished = true;
                    yield return new TextGenerationUpdate(Rest(completion.Text, emitted), id, lp, completion);
                    break;
                }

                string text = prepared.Matcher.Decode(tokens).TrimEnd('\uFFFD');
                int settled = text.Length - prepared.Matcher.PossibleStartLength(text);
                string delta = settled > emitted ? text[emitted..settled] : string.Empty;
                emitted = Math.Max(emitted, settled);
                yield return new TextGenerationUpdate(delta, id, lp, null);
            }

            if (!finished)
            {
                var completion = Complete(prepared, 0, new GeneratedSequence([.. tokens], [.. logProbs], FinishReason.Length));
                yield return new TextGenerationUpdate(Rest(completion.Text, emitted), null, null, completion);
            }
        }
        finally
        {
            _gate.Release();
        }
    }

    private static string Rest(string text, int emitted)
    {
        if (emitted > text.Length)
        {
            throw new InvalidOperationException("Streamed text ran ahead of the final completion; this is a bug in TextGenerator.");
        }

        return text[emitted..];
    }

    private List<string> FormatAll(IReadOnlyList<Conversation> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        var texts = new List<string>(prompts.Count);
        for (int i = 0; i < prompts.Count; i++)
        {
            texts.Add(FormatPrompt(prompts[i] ?? throw new ArgumentException($"prompts[{i}] is null.", nameof(prompts))));
        }

        return texts;
    }

    private Prepared Prepare(IReadOnlyList<string> promptTexts, TextGenerationOptions? options)
    {
        ArgumentNullException.ThrowIfNull(promptTexts);
        options ??= new TextGenerationOptions();
        options.Validate();
        if (promptTexts.Count == 0) throw new ArgumentException("At least one prompt is needed.", nameof(promptTexts));
        long vocab = Model.Config.VocabSize;
        var rows = new IReadOnlyList<int>[promptTexts.Count];
        for (int i = 0; i < promptTexts.Count; i++)
        {
            string text = promptTexts[i] ?? throw new ArgumentException($"Prompt {i} is null.", nameof(promptTexts));
            IReadOnlyList<int> ids = Tokenizer.Encode(text);
            if (ids.Count == 0) throw new ArgumentException($"Prompt {i} encodes to no tokens; generation needs at least one.", nameof(promptTexts));
            if (options.MaxPromptTokens is int max && ids.Count > max) ids = ids.Skip(ids.Count - max).ToArray();
            // Refused, not run past: positions beyond the model's limit have no trained meaning (and no rotary cache).
            long positions = Model.Config.MaxPositionEmbeddings;
            if (ids.Count + (long)options.Generation.MaxNewTokens > positions)
            {
                throw new ArgumentException(
                    $"Prompt {i} has {ids.Count} tokens; with MaxNewTokens {options.Generation.MaxNewTokens} that is more than the model's {positions} positions (config max_position_embeddings): shorten the prompt, lower MaxNewTokens, or set MaxPromptTokens to keep the prompt's last tokens.",
                    nameof(promptTexts));
            }

            foreach (int id in ids)
            {
                if (id >= vocab)
                {
                    throw new ArgumentException(
                        $"Prompt {i} has token id {id} ('{Tokenizer.IdToToken(id)}'), outside the model's vocabulary of {vocab} (config vocab_size): the tokenizer '{Tokenizer.Source}' does not belong to this model.",
                        nameof(promptTexts));
                }
            }

            rows[i] = ids;
        }

        var matcher = new StopSequenceMatcher(Tokenizer, options.StopSequences);
        var stopIds = new List<int>(options.Generation.StopTokenIds);
        if (options.StopAtEndOfTurn) stopIds.AddRange(Tokenizer.EndOfTurnTokenIds.Where(id => !stopIds.Contains(id)));
        var userPredicate = options.Generation.StopPredicate;
        Func<int, IReadOnlyList<int>, bool>? predicate = matcher.IsEmpty
            ? userPredicate
            : userPredicate is null
                ? (_, tokens) => matcher.EndsWithin(tokens)
                : (row, tokens) => matcher.EndsWithin(tokens) || userPredicate(row, tokens);
        var generation = options.Generation with { StopTokenIds = stopIds, PadTokenId = PadTokenId, StopPredicate = predicate };
        return new Prepared([.. promptTexts], rows, generation, matcher, [.. stopIds]);
    }

    private TextGenerationResult RunLocked(Prepared prepared, CancellationToken cancellationToken)
    {
        var (ids, mask, positions) = TokenizedBatch.FromRows(prepared.Rows, padLeft: true, PadTokenId).ToTensors(Model.Device);
        try
        {
            var output = _generator.Generate(ids, mask, prepared.Generation, cancellationToken);
            // Keep the output's tensors alive past any dispose scope of the caller's: the result owns them.
            output.SequenceIds.MoveToOuterDisposeScope();
            output.AttentionMask.MoveToOuterDisposeScope();
            output.NewTokenMask.MoveToOuterDisposeScope();
            output.NewTokenLogProbs.MoveToOuterDisposeScope();
            try
            {
                var completions = new TextCompletion[prepared.Rows.Length];
                for (int i = 0; i < completions.Length; i++) completions[i] = Complete(prepared, i, output.Sequences[i]);
                return new TextGenerationResult(prepared.Texts, completions, output);
            }
            catch
            {
                output.Dispose();
                throw;
            }
        }
        finally
        {
            ids.Dispose();
            mask.Dispose();
            positions.Dispose();
        }
    }

    private static TextCompletion Complete(Prepared prepared, int row, GeneratedSequence sequence)
    {
        var tokens = sequence.TokenIds;
        int textTokens = tokens.Count;
        if (sequence.FinishReason == FinishReason.Stop && textTokens > 0 && prepared.StopIds.Contains(tokens[^1])) textTokens--;
        var (text, stop) = prepared.Matcher.Cut(prepared.Matcher.Decode(tokens.Take(textTokens)));
        return new TextCompletion(text, tokens, sequence.LogProbs, sequence.FinishReason, prepared.Rows[row].Count, stop);
    }

    private sealed record Prepared(
        IReadOnlyList<string> Texts,
        IReadOnlyList<int>[] Rows,
        GenerationOptions Generation,
        StopSequenceMatcher Matcher,
        HashSet<int> StopIds);
}
