namespace Plus.Prompts;

/// <summary>The result of <see cref="SummaryExtractor.Extract(string?)"/>.</summary>
/// <param name="Text">The summary text: trimmed, at most the configured number of words (and tokens).</param>
/// <param name="MarkerFound">True when the output contained the <c>##Summary</c> marker; false when the whole output was used.</param>
/// <param name="Truncated">True when words (or tokens) were cut to respect the limits.</param>
public sealed record ExtractedSummary(string Text, bool MarkerFound, bool Truncated)
{
    /// <summary>True when no summary text remains (empty output, or nothing after the marker).</summary>
    public bool IsEmpty => Text.Length == 0;
}
