using Plus.Torch.Tokenization;

namespace Plus.Torch.Chat;

/// <summary>
/// Finds stop sequences in generated tokens. Used by the stop predicate (every step, decoding only the tail that
/// can hold a sequence that ends at the newest token) and to cut the final text. Immutable; thread-safe.
/// </summary>
internal sealed class StopSequenceMatcher
{
    private readonly HfTokenizer _tokenizer;
    private readonly string[] _sequences;
    private readonly int _tailTokens;

    public StopSequenceMatcher(HfTokenizer tokenizer, IEnumerable<string> sequences)
    {
        _tokenizer = tokenizer;
        _sequences = [.. sequences.Where(s => s.Length > 0).Distinct(StringComparer.Ordinal)];
        // A sequence of L UTF-16 units is at most 4L bytes, and every token is at least one byte; one more token
        // covers a character that the tail cuts in half.
        _tailTokens = _sequences.Length == 0 ? 0 : (4 * _sequences.Max(s => s.Length)) + 1;
    }

    public bool IsEmpty => _sequences.Length == 0;

    public IReadOnlyList<string> Sequences => _sequences;

    /// <summary>Whether a stop sequence ends within the newest tokens (earlier ones were checked at earlier steps).</summary>
    public bool EndsWithin(IReadOnlyList<int> tokens)
    {
        if (_sequences.Length == 0 || tokens.Count == 0) return false;
        int start = Math.Max(0, tokens.Count - _tailTokens);
        string tail = Decode(tokens.Skip(start));
        foreach (string s in _sequences)
        {
            if (tail.Contains(s, StringComparison.Ordinal)) return true;
        }

        return false;
    }

    /// <summary>Cuts <paramref name="text"/> before the first stop sequence, if any.</summary>
    public (string Text, string? StopSequence) Cut(string text)
    {
        int best = -1;
        string? found = null;
        foreach (string s in _sequences)
        {
            int at = text.IndexOf(s, StringComparison.Ordinal);
            if (at >= 0 && (best < 0 || at < best))
            {
                best = at;
                found = s;
            }
        }

        return best < 0 ? (text, null) : (text[..best], found);
    }

    /// <summary>How many trailing characters of <paramref name="text"/> could start a stop sequence (held back when streaming).</summary>
    public int PossibleStartLength(string text)
    {
        int hold = 0;
        foreach (string s in _sequences)
        {
            for (int k = Math.Min(s.Length - 1, text.Length); k > hold; k--)
            {
                if (text.AsSpan(text.Length - k).SequenceEqual(s.AsSpan(0, k)))
                {
                    hold = k;
                    break;
                }
            }
        }

        return hold;
    }

    /// <summary>Decodes ids, skipping ids the tokenizer does not know (a model's embedding table can be larger than the vocabulary).</summary>
    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids.Where(id => _tokenizer.IdToToken(id) is not null));
}
