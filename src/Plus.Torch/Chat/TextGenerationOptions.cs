using Plus.Torch.Generation;

namespace Plus.Torch.Chat;

/// <summary>
/// How <see cref="TextGenerator"/> generates text: the token-level <see cref="GenerationOptions"/> plus text-level
/// stop sequences, the tokenizer's end-of-turn tokens and a prompt length limit. Immutable; thread-safe.
/// </summary>
public sealed record TextGenerationOptions
{
    /// <summary>
    /// Token-level options (max new tokens, sampling, temperature, top-k, top-p, seed). Its
    /// <see cref="GenerationOptions.StopTokenIds"/> are added to the end-of-turn tokens (see <see cref="StopAtEndOfTurn"/>);
    /// its <see cref="GenerationOptions.PadTokenId"/> is replaced by the tokenizer's pad token; a
    /// <see cref="GenerationOptions.StopPredicate"/> is kept and combined with the stop sequences.
    /// </summary>
    public GenerationOptions Generation { get; init; } = new();

    /// <summary>
    /// Text at which a row stops (as OpenAI's <c>stop</c>). The stop sequence and everything after it are cut from the
    /// text; the tokens that produced it stay in <see cref="TextCompletion.TokenIds"/>. Empty strings are ignored.
    /// </summary>
    public IReadOnlyList<string> StopSequences { get; init; } = [];

    /// <summary>
    /// Stop at the tokenizer's <see cref="Tokenization.HfTokenizer.EndOfTurnTokenIds"/> (default true). The end-of-turn
    /// token is kept in the token ids but never written into the text.
    /// </summary>
    public bool StopAtEndOfTurn { get; init; } = true;

    /// <summary>
    /// Keep at most this many prompt tokens per row, dropping the oldest (left truncation); null keeps them all
    /// (default). Beware that truncation can cut a chat template's opening tokens.
    /// </summary>
    public int? MaxPromptTokens { get; init; }

    /// <summary>Greedy decoding of at most <paramref name="maxNewTokens"/> tokens.</summary>
    /// <param name="maxNewTokens">The most new tokens per row.</param>
    public static TextGenerationOptions Greedy(int maxNewTokens = 64) => new() { Generation = new GenerationOptions { MaxNewTokens = maxNewTokens } };

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    /// <exception cref="ArgumentException">A list is null or holds null.</exception>
    public void Validate()
    {
        if (Generation is null) throw new ArgumentException("TextGenerationOptions.Generation must not be null.", nameof(Generation));
        Generation.Validate();
        if (StopSequences is null) throw new ArgumentException("TextGenerationOptions.StopSequences must not be null (use an empty list).", nameof(StopSequences));
        for (int i = 0; i < StopSequences.Count; i++)
        {
            if (StopSequences[i] is null) throw new ArgumentException($"TextGenerationOptions.StopSequences[{i}] is null.", nameof(StopSequences));
        }

        if (MaxPromptTokens is int max && max < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxPromptTokens), max, "MaxPromptTokens must be at least 1 (or null for no limit).");
        }
    }
}
