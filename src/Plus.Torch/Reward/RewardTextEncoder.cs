using Microsoft.Extensions.AI;
using Plus.Prompts;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Reward;

/// <summary>
/// Turns a <see cref="RewardQuery"/> into the token ids a reward model reads: the prompt with the user conditioning
/// written in by Plus.Core's <see cref="ConditioningRenderer"/> (one code path for <see cref="ConditioningKind.None"/>,
/// <see cref="ConditioningKind.Summary"/>, <see cref="ConditioningKind.Context"/> and <see cref="ConditioningKind.Oracle"/>),
/// the response appended as an assistant turn, the whole formatted by the model's <see cref="IChatFormatter"/> and
/// tokenized.
/// </summary>
/// <remarks>
/// <para>The text ends with the end-of-turn token that closes the response (ChatML: <c>&lt;|im_end|&gt;</c>, without the
/// newline the template writes after it), so the score is read on that token.</para>
/// <para><b>Truncation</b> keeps the response and the conditioning intact. When the ids exceed
/// <see cref="MaxLength"/> it cuts, in this order, until they fit: (1) the oldest past pairs of an ICL context
/// (keeping at least one); (2) the oldest turns of a multi-turn prompt (never its last user turn, never a leading
/// system turn); (3) tokens from the middle of the longest prompt turns, replaced by <c> ... </c>. Only if the text is
/// still too long is its start cut off (<see cref="RewardEncoding.HardCut"/>), keeping the last
/// <see cref="MaxLength"/> tokens. <see cref="Statistics"/> counts every cut.</para>
/// <para><b>Positions.</b> <see cref="MaxLength"/> never exceeds the positions of the model it feeds: building a
/// <see cref="ConditionedRewardModel"/> caps it at the model's <c>max_position_embeddings</c> (see
/// <see cref="RequestedMaxLength"/> for the value asked for).</para>
/// <para>Thread-safe: the counters are updated atomically; the only other change is that cap, made when a
/// <see cref="ConditionedRewardModel"/> is built on the encoder (before it scores anything).</para>
/// </remarks>
public sealed class RewardTextEncoder
{
    private int _maxLength;
    private long _encoded;
    private long _truncated;
    private long _droppedPairs;
    private long _droppedTurns;
    private long _middleCuts;
    private long _hardCuts;

    /// <summary>Creates an encoder.</summary>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="formatter">The model's chat format.</param>
    /// <param name="renderer">Writes the conditioning into the prompt (Plus.Core's templates).</param>
    /// <param name="maxLength">The most tokens per query, ≥ 16.</param>
    /// <param name="padId">The id written into padding; null uses the tokenizer's pad, then its EOS token.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="maxLength"/> is below 16.</exception>
    /// <exception cref="InvalidOperationException">No pad id was given and the tokenizer has neither a pad nor an EOS token.</exception>
    /// <param name="subjectLines">Write each capitalized word of a summary or Oracle text at the start of a line (default false); see <see cref="SubjectLines"/>.</param>
    public RewardTextEncoder(HfTokenizer tokenizer, IChatFormatter formatter, ConditioningRenderer renderer, int maxLength = 1024, int? padId = null, bool subjectLines = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(formatter);
        ArgumentNullException.ThrowIfNull(renderer);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxLength, 16);
        Tokenizer = tokenizer;
        Formatter = formatter;
        Renderer = renderer;
        _maxLength = maxLength;
        RequestedMaxLength = maxLength;
        SubjectLines = subjectLines;
        PadId = padId ?? tokenizer.PadTokenId ?? tokenizer.EosTokenId
            ?? throw new InvalidOperationException($"Tokenizer '{tokenizer.Source}' has no pad or EOS token; pass padId to the RewardTextEncoder.");
    }

    /// <summary>The tokenizer.</summary>
    public HfTokenizer Tokenizer { get; }

    /// <summary>The chat format.</summary>
    public IChatFormatter Formatter { get; }

    /// <summary>The conditioning renderer.</summary>
    public ConditioningRenderer Renderer { get; }

    /// <summary>
    /// When true, the reward model reads a summary or an Oracle text with every capitalized word that follows a space
    /// moved to the start of a line ("The user chose Rabbits and rejected Birds." is read as "The user chose\nRabbits and
    /// rejected\nBirds."); the summary itself, as users read and edit it, is unchanged. A response starts a line (after
    /// the chat template's newline), so a subject named in the summary then has exactly the tokens, and the same
    /// token before it, as a response about it (<c>Ċ|R|ab|bits</c>): the form in which a warm start on other subjects
    /// taught the embedded tiny reward model to match a summary's subject against the responses, unseen words and the
    /// Pets-OOD animals included, before any Pets training (issue 15, docs/plus.md). Saved with a trained model and
    /// used again on load.
    /// </summary>
    public bool SubjectLines { get; }

    private static readonly System.Text.RegularExpressions.Regex CapitalAfterSpace =
        new(@"(?<=\S) (?=\p{Lu})", System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private UserConditioning Layout(UserConditioning conditioning)
    {
        if (!SubjectLines) return conditioning;
        return conditioning.Kind switch
        {
            ConditioningKind.Summary => UserConditioning.FromSummary(conditioning.Summary! with { Text = CapitalAfterSpace.Replace(conditioning.Summary!.Text, "\n") }),
            ConditioningKind.Oracle => UserConditioning.FromOracle(CapitalAfterSpace.Replace(conditioning.OracleText!, "\n")),
            _ => conditioning,
        };
    }

    /// <summary>
    /// The most tokens per query: the <c>maxLength</c> asked for, lowered to the model's <c>max_position_embeddings</c>
    /// when a <see cref="ConditionedRewardModel"/> over a model with fewer positions was built on this encoder.
    /// </summary>
    public int MaxLength => Volatile.Read(ref _maxLength);

    /// <summary>The <c>maxLength</c> passed to the constructor; larger than <see cref="MaxLength"/> when it was capped to a model's positions.</summary>
    public int RequestedMaxLength { get; }

    /// <summary>The id written into padding positions (never read: the attention mask marks them).</summary>
    public int PadId { get; }

    /// <summary>A snapshot of the truncation counters.</summary>
    public RewardTruncationStats Statistics => new(
        Interlocked.Read(ref _encoded),
        Interlocked.Read(ref _truncated),
        Interlocked.Read(ref _droppedPairs),
        Interlocked.Read(ref _droppedTurns),
        Interlocked.Read(ref _middleCuts),
        Interlocked.Read(ref _hardCuts));

    /// <summary>Sets every counter back to zero.</summary>
    public void ResetStatistics()
    {
        Interlocked.Exchange(ref _encoded, 0);
        Interlocked.Exchange(ref _truncated, 0);
        Interlocked.Exchange(ref _droppedPairs, 0);
        Interlocked.Exchange(ref _droppedTurns, 0);
        Interlocked.Exchange(ref _middleCuts, 0);
        Interlocked.Exchange(ref _hardCuts, 0);
    }

    /// <summary>Lowers <see cref="MaxLength"/> to <paramref name="positions"/> when it is larger (never raises it).</summary>
    /// <param name="positions">The model's <c>max_position_embeddings</c>.</param>
    /// <returns>True when <see cref="MaxLength"/> was lowered.</returns>
    internal bool CapTo(int positions)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(positions, 1);
        while (true)
        {
            int current = Volatile.Read(ref _maxLength);
            if (current <= positions) return false;
            if (Interlocked.CompareExchange(ref _maxLength, positions, current) == current) return true;
        }
    }

    /// <summary>The full text the model reads for <paramref name="query"/>, before any truncation.</summary>
    /// <param name="query">The query.</param>
    /// <returns>The chat-formatted text, ending with the end-of-turn token of the response.</returns>
    /// <exception cref="ArgumentException">The prompt cannot carry the conditioning (no user turn) or holds a role the chat format cannot render.</exception>
    public string RenderText(RewardQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Compose(query.Prompt, query.Conditioning, query.Response);
    }

    /// <summary>Encodes queries (see <see cref="Encode(RewardQuery)"/>).</summary>
    /// <param name="queries">The queries.</param>
    /// <returns>One encoding per query, in order.</returns>
    public IReadOnlyList<RewardEncoding> Encode(IReadOnlyList<RewardQuery> queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        var result = new RewardEncoding[queries.Count];
        for (int i = 0; i < queries.Count; i++)
        {
            result[i] = Encode(queries[i] ?? throw new ArgumentException($"queries[{i}] is null.", nameof(queries)));
        }

        return result;
    }

    /// <summary>Encodes one query, truncating as described on the class when it is longer than <see cref="MaxLength"/>.</summary>
    /// <param name="query">The query.</param>
    /// <returns>The ids and what was cut.</returns>
    /// <exception cref="ArgumentException">The prompt cannot carry the conditioning or holds a role the chat format cannot render.</exception>
    public RewardEncoding Encode(RewardQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        var ids = Tokenizer.Encode(Compose(query.Prompt, query.Conditioning, query.Response));
        var encoding = ids.Count <= MaxLength ? new RewardEncoding(ids) : Truncate(query);
        Interlocked.Increment(ref _encoded);
        if (encoding.Truncated)
        {
            Interlocked.Increment(ref _truncated);
            Interlocked.Add(ref _droppedPairs, encoding.DroppedContextPairs);
            Interlocked.Add(ref _droppedTurns, encoding.DroppedPromptTurns);
            if (encoding.PromptMiddleCut) Interlocked.Increment(ref _middleCuts);
            if (encoding.HardCut) Interlocked.Increment(ref _hardCuts);
        }

        return encoding;
    }

    private RewardEncoding Truncate(RewardQuery query)
    {
        var conditioning = query.Conditioning;
        var turns = query.Prompt.Turns.ToList();
        int droppedPairs = 0, droppedTurns = 0;
        IReadOnlyList<int> ids = Measure();

        // 1. The oldest past pairs of an ICL context.
        if (conditioning.Kind == ConditioningKind.Context && conditioning.Context is { } context)
        {
            var pairs = context.Pairs.ToList();
            while (ids.Count > MaxLength && pairs.Count > 1)
            {
                pairs.RemoveAt(0);
                droppedPairs++;
                conditioning = UserConditioning.FromContext(context with { Pairs = new ValueList<PreferencePair>(pairs) });
                ids = Measure();
            }
        }

        // 2. The oldest prompt turns, keeping a leading system turn and the last user turn.
        int first = turns.Count > 0 && turns[0].Role == ChatRole.System ? 1 : 0;
        while (ids.Count > MaxLength && first < LastUserIndex(turns))
        {
            turns.RemoveAt(first);
            droppedTurns++;
            // Do not start the conversation with an assistant turn.
            while (first < turns.Count && turns[first].Role == ChatRole.Assistant && first < LastUserIndex(turns))
            {
                turns.RemoveAt(first);
                droppedTurns++;
            }

            ids = Measure();
        }

        // 3. The middle of the longest prompt turns.
        bool middle = false;
        if (ids.Count > MaxLength)
        {
            var contents = turns.Select(t => t.Content).ToList();
            var shortened = new HashSet<int>();
            ids = MiddleCut.Apply(Tokenizer, contents, ids, MaxLength, () =>
            {
                for (int i = 0; i < turns.Count; i++) turns[i] = turns[i] with { Content = contents[i] };
                return Measure();
            }, shortened);
            middle = shortened.Count > 0;
        }

        // 4. Last resort: keep the end (the response), cut the start.
        bool hard = false;
        if (ids.Count > MaxLength)
        {
            ids = ids.Skip(ids.Count - MaxLength).ToArray();
            hard = true;
        }

        return new RewardEncoding(ids, droppedPairs, droppedTurns, middle, hard);

        IReadOnlyList<int> Measure() =>
            Tokenizer.Encode(Compose(new Conversation(new ValueList<ChatTurn>(turns)), conditioning, query.Response));
    }

    private static int LastUserIndex(List<ChatTurn> turns) => turns.FindLastIndex(t => t.Role == ChatRole.User);

    private string Compose(Conversation prompt, UserConditioning conditioning, string response)
    {
        ArgumentNullException.ThrowIfNull(response);
        var conditioned = Renderer.Render(prompt, Layout(conditioning));
        var turns = conditioned.Turns.Append(ChatTurn.Assistant(response));
        string text = Formatter.Format(turns, addGenerationPrompt: false);
        string end = Formatter.EndOfTurnToken;
        if (text.EndsWith(end + "\n", StringComparison.Ordinal)) text = text[..^1];
        return text;
    }
}
