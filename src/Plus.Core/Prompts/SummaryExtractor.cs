using System.Text.RegularExpressions;

namespace Plus.Prompts;

/// <summary>
/// Extracts the user summary z from a summarizer's output (the prompts end with "Start your response with ##Summary").
/// Rules, in order:
/// <list type="number">
/// <item>The text after the <b>last</b> <c>##Summary</c> marker is kept (case-insensitive; <c>## Summary</c> and
/// longer runs of <c>#</c> count too). The last one is used so that an output that echoes the prompt (which itself
/// says "Start your response with ##Summary") still yields the generated part.</item>
/// <item>Without a marker, the whole output is used and <see cref="ExtractedSummary.MarkerFound"/> is false.</item>
/// <item>Leading colons and whitespace are removed and the text is trimmed.</item>
/// <item>At most <see cref="MaxWords"/> words (whitespace-separated) are kept, with the whitespace between them as written.</item>
/// <item>When a token limit and counter are set, trailing words are dropped until the text has at most
/// <see cref="MaxTokens"/> tokens.</item>
/// </list>
/// An empty or whitespace output gives an empty summary (<see cref="ExtractedSummary.IsEmpty"/>). Thread-safe when the token counter is.
/// </summary>
public sealed partial class SummaryExtractor
{
    /// <summary>The marker the summarizer prompts ask for: <c>##Summary</c>.</summary>
    public const string Marker = "##Summary";

    private readonly Func<string, int>? _tokenCounter;

    /// <summary>Creates an extractor.</summary>
    /// <param name="maxWords">The largest number of words kept (default 50, as the paper's prompts ask).</param>
    /// <param name="maxTokens">Optional largest number of tokens kept; requires <paramref name="tokenCounter"/>.</param>
    /// <param name="tokenCounter">Counts the tokens of a text (the summarizer's tokenizer); must grow with the text.</param>
    /// <exception cref="ArgumentOutOfRangeException">A limit is below 1.</exception>
    /// <exception cref="ArgumentException"><paramref name="maxTokens"/> is set without <paramref name="tokenCounter"/>.</exception>
    public SummaryExtractor(int maxWords = 50, int? maxTokens = null, Func<string, int>? tokenCounter = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxWords, 1);
        if (maxTokens is { } tokens)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(tokens, 1, nameof(maxTokens));
            if (tokenCounter is null) throw new ArgumentException("A token limit (maxTokens) needs a tokenCounter.", nameof(tokenCounter));
        }

        MaxWords = maxWords;
        MaxTokens = maxTokens;
        _tokenCounter = tokenCounter;
    }

    /// <summary>The largest number of words kept.</summary>
    public int MaxWords { get; }

    /// <summary>The largest number of tokens kept, or null for no token limit.</summary>
    public int? MaxTokens { get; }

    /// <summary>Extracts the summary from <paramref name="output"/> (null counts as empty).</summary>
    /// <param name="output">The summarizer's generated text.</param>
    public ExtractedSummary Extract(string? output)
    {
        if (string.IsNullOrWhiteSpace(output)) return new ExtractedSummary(string.Empty, MarkerFound: false, Truncated: false);

        var markers = MarkerPattern().Matches(output);
        var markerFound = markers.Count > 0;
        var text = markerFound ? output[(markers[^1].Index + markers[^1].Length)..] : output;
        var start = 0;
        while (start < text.Length && (text[start] == ':' || char.IsWhiteSpace(text[start]))) start++;
        text = text[start..].TrimEnd();

        var words = WordPattern().Matches(text);
        var truncated = false;
        var keep = words.Count;
        if (keep > MaxWords)
        {
            keep = MaxWords;
            truncated = true;
        }

        if (MaxTokens is { } maxTokens && _tokenCounter is not null && keep > 0 && _tokenCounter(Prefix(text, words, keep)) > maxTokens)
        {
            // Largest word count whose prefix fits, by binary search (the counter grows with the text).
            int lo = 0, hi = keep - 1;
            while (lo < hi)
            {
                var mid = (lo + hi + 1) / 2;
                if (_tokenCounter(Prefix(text, words, mid)) <= maxTokens) lo = mid;
                else hi = mid - 1;
            }

            keep = lo;
            truncated = true;
        }

        return new ExtractedSummary(truncated ? Prefix(text, words, keep) : text, markerFound, truncated);
    }

    /// <summary>
    /// Extracts the summary and wraps it as a generated <see cref="UserSummary"/> that keeps the whole output in
    /// <see cref="UserSummary.RawOutput"/>.
    /// </summary>
    /// <param name="output">The summarizer's generated text.</param>
    /// <param name="model">Optional name of the model that wrote it.</param>
    public UserSummary ToUserSummary(string? output, string? model = null) =>
        new(Extract(output).Text, SummarySource.Generated, output ?? string.Empty, model);

    private static string Prefix(string text, MatchCollection words, int count) =>
        count == 0 ? string.Empty : text[..(words[count - 1].Index + words[count - 1].Length)];

    [GeneratedRegex(@"#{2,}[ \t]*summary", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex MarkerPattern();

    [GeneratedRegex(@"\S+", RegexOptions.CultureInvariant)]
    private static partial Regex WordPattern();
}
