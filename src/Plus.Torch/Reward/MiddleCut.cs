using Plus.Torch.Tokenization;

namespace Plus.Torch.Reward;

/// <summary>
/// The one way texts are shortened in the middle to fit a token limit (the reward encoder's prompt turns, the
/// summarizer's context turns): the longest text that can still give tokens loses the tokens of its middle, which
/// are replaced by <see cref="Marker"/>; its first and last tokens stay.
/// </summary>
internal static class MiddleCut
{
    /// <summary>What stands in for the tokens that were cut.</summary>
    public const string Marker = " ... ";

    /// <summary>The fewest tokens a shortened text keeps (half from its start, half from its end).</summary>
    public const int MinimumKeptTokens = 8;

    /// <summary>
    /// Shortens <paramref name="texts"/> in place, longest first, until <paramref name="measure"/> (the ids of the
    /// whole input built from the current texts) has at most <paramref name="limit"/> ids, or no text can be
    /// shortened further.
    /// </summary>
    /// <param name="tokenizer">The tokenizer that measures each text.</param>
    /// <param name="texts">The texts that may be cut; changed in place.</param>
    /// <param name="ids">The ids of the whole input before any cut.</param>
    /// <param name="limit">The most ids the whole input may have.</param>
    /// <param name="measure">Encodes the whole input from the current <paramref name="texts"/>.</param>
    /// <param name="shortened">Receives the index of every text that was cut.</param>
    /// <returns>The ids of the whole input after the cuts (still longer than the limit when nothing more could be cut).</returns>
    public static IReadOnlyList<int> Apply(HfTokenizer tokenizer, IList<string> texts, IReadOnlyList<int> ids, int limit, Func<IReadOnlyList<int>> measure, ISet<int> shortened)
    {
        var exhausted = new HashSet<int>();
        while (ids.Count > limit)
        {
            int target = -1, longest = 0;
            for (int i = 0; i < texts.Count; i++)
            {
                if (exhausted.Contains(i)) continue;
                int length = tokenizer.Encode(texts[i]).Count;
                if (length > longest)
                {
                    longest = length;
                    target = i;
                }
            }

            if (target < 0 || longest <= MinimumKeptTokens + 1)
            {
                break;
            }

            var contentIds = tokenizer.Encode(texts[target]);
            int markerCost = tokenizer.Encode(Marker).Count + 2;
            int keep = Math.Max(MinimumKeptTokens, contentIds.Count - (ids.Count - limit) - markerCost);
            int head = keep / 2, tail = keep - head;
            texts[target] = tokenizer.Decode(contentIds.Take(head)) + Marker + tokenizer.Decode(contentIds.Skip(contentIds.Count - tail));
            shortened.Add(target);
            if (keep == MinimumKeptTokens) exhausted.Add(target);
            var before = ids.Count;
            ids = measure();
            if (ids.Count >= before) exhausted.Add(target);
        }

        return ids;
    }
}
