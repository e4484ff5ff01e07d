namespace Plus.Torch.Summarization;

/// <summary>
/// A context whose summarizer prompt does not fit the model's positions even after every cut; carries the row so a
/// trainer can name the example and user. Callers see an <see cref="ArgumentException"/>.
/// </summary>
internal sealed class SummarizerPromptTooLongException : ArgumentException
{
    public SummarizerPromptTooLongException(int contextIndex, string detail)
        : base(detail, "contexts")
    {
        ContextIndex = contextIndex;
        Detail = detail;
    }

    /// <summary>The message without the parameter name.</summary>
    public string Detail { get; }

    /// <summary>The row of the context in the call (−1 when a single context was rendered).</summary>
    public int ContextIndex { get; }
}
