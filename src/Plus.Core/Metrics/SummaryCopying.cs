using System.Text.RegularExpressions;

namespace Plus.Metrics;

/// <summary>
/// Whether a summary copies the user's past responses instead of summarizing them (issue 15: "at most 10 % of PLUS
/// summaries contain a verbatim context sentence"). A summary copies when it holds <see cref="DefaultWindow"/>
/// consecutive words of one of the context's chosen or rejected responses, or the whole of a shorter one of at least
/// <see cref="MinimumWholeWords"/> words (a one- or two-word response such as "Dogs." is not a sentence to copy). Words are
/// compared case-insensitively, without punctuation, so "The user chose Dogs have a natural inclination to mark their
/// territory." copies the response "Dogs have a natural inclination to mark their territory.".
/// </summary>
public static partial class SummaryCopying
{
    /// <summary>The number of consecutive words that count as a copy: 5.</summary>
    public const int DefaultWindow = 5;

    /// <summary>The fewest words a response shorter than the window must have to count when copied whole: 3.</summary>
    public const int MinimumWholeWords = 3;

    /// <summary>Whether <paramref name="summary"/> copies one of <paramref name="context"/>'s responses.</summary>
    /// <param name="summary">The summary text.</param>
    /// <param name="context">The user's past preference pairs the summary was written from.</param>
    /// <param name="window">How many consecutive words count as a copy (at least 2); a response with fewer words copies only whole.</param>
    /// <returns>True when a copy is found.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is below 2.</exception>
    public static bool ContainsContextSentence(string summary, UserContext context, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(context);
        return ContainsSentence(summary, context.Pairs.SelectMany(p => new[] { p.Chosen, p.Rejected }), window);
    }

    /// <summary>
    /// Whether <paramref name="summary"/> copies one of <paramref name="sentences"/> by the same rule: for example every
    /// sentence of a data set, which catches a summarizer that writes a sentence it memorized in training rather than
    /// one of this user's.
    /// </summary>
    /// <param name="summary">The summary text.</param>
    /// <param name="sentences">The sentences a copy would come from.</param>
    /// <param name="window">How many consecutive words count as a copy (at least 2).</param>
    /// <returns>True when a copy is found.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="window"/> is below 2.</exception>
    public static bool ContainsSentence(string summary, IEnumerable<string> sentences, int window = DefaultWindow)
    {
        ArgumentNullException.ThrowIfNull(summary);
        ArgumentNullException.ThrowIfNull(sentences);
        ArgumentOutOfRangeException.ThrowIfLessThan(window, 2);
        string text = " " + string.Join(' ', Words(summary)) + " ";
        foreach (string sentence in sentences)
        {
            var words = Words(sentence ?? "");
            if (words.Length < Math.Min(window, MinimumWholeWords)) continue;
            int n = Math.Min(window, words.Length);
            for (int start = 0; start + n <= words.Length; start++)
            {
                if (text.Contains(" " + string.Join(' ', words, start, n) + " ", StringComparison.Ordinal)) return true;
            }
        }

        return false;
    }

    private static string[] Words(string text) =>
        WordPattern().Matches(text.ToLowerInvariant()).Select(m => m.Value).ToArray();

    [GeneratedRegex(@"[\p{L}\p{N}']+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
