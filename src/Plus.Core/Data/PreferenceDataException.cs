namespace Plus.Data;

/// <summary>
/// A data file (preference JSONL, UltraFeedback, PRISM) holds a line that cannot be read. The message names the
/// file, the 1-based line number and the field at fault, for example
/// <c>data.jsonl line 7: field 'target.chosen' is missing</c>.
/// </summary>
public sealed class PreferenceDataException : Exception
{
    /// <summary>Creates the exception; the message is built from the location and the reason.</summary>
    /// <param name="source">The file (or stream name) being read.</param>
    /// <param name="lineNumber">The 1-based line number.</param>
    /// <param name="field">The field path at fault (for example <c>target.prompt[0].role</c>), or null when the line as a whole is bad.</param>
    /// <param name="reason">What is wrong and, where useful, what would be valid.</param>
    /// <param name="innerException">The parser error, if any.</param>
    public PreferenceDataException(string source, long lineNumber, string? field, string reason, Exception? innerException = null)
        : base(FormatMessage(source, lineNumber, field, reason), innerException)
    {
        FileName = source;
        LineNumber = lineNumber;
        Field = field;
        Reason = reason;
    }

    /// <summary>The file (or stream name) being read.</summary>
    public string FileName { get; }

    /// <summary>The 1-based line number of the bad line.</summary>
    public long LineNumber { get; }

    /// <summary>The field path at fault, or null when the line as a whole is bad (invalid JSON).</summary>
    public string? Field { get; }

    /// <summary>What is wrong, without the location.</summary>
    public string Reason { get; }

    private static string FormatMessage(string source, long lineNumber, string? field, string reason) =>
        field is null
            ? $"{source} line {lineNumber}: {reason}"
            : $"{source} line {lineNumber}: field '{field}' {reason}";
}
