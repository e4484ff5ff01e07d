using System.Text.RegularExpressions;

namespace Plus.Data;

/// <summary>
/// Reads Anthropic HH-RLHF style rows: a JSON object with <c>chosen</c> and <c>rejected</c> transcripts such as
/// <c>"\n\nHuman: Hi\n\nAssistant: Hello!"</c>.
/// </summary>
/// <remarks>
/// <para>A transcript is a sequence of turns, each introduced by <c>Human:</c> or <c>Assistant:</c> at the start of the
/// text or after a blank line (<c>"\n\n"</c>); a turn's text is trimmed. Multi-turn transcripts are supported: the two
/// transcripts must be identical up to their last <c>Assistant:</c> turn; the shared turns become the prompt
/// (Human → user, Assistant → assistant) and the two last turns the chosen and rejected responses.</para>
/// <para>Every failure is a <see cref="PreferenceDataException"/> naming the file, line and field. Thread-safe.</para>
/// </remarks>
public static partial class HhRlhfImporter
{
    /// <summary>Splits a transcript into turns.</summary>
    /// <param name="transcript">The transcript text.</param>
    /// <returns>The turns in order; empty when the transcript holds no marker.</returns>
    /// <exception cref="FormatException">Non-blank text comes before the first <c>Human:</c>/<c>Assistant:</c> marker, or the transcript has no turn.</exception>
    public static IReadOnlyList<ChatTurn> ParseTranscript(string transcript)
    {
        ArgumentNullException.ThrowIfNull(transcript);
        var markers = Marker().Matches(transcript);
        if (markers.Count == 0) throw new FormatException("holds no 'Human:' or 'Assistant:' turn");
        if (!string.IsNullOrWhiteSpace(transcript[..markers[0].Index]))
        {
            throw new FormatException("must start with a 'Human:' or 'Assistant:' turn");
        }

        var turns = new List<ChatTurn>(markers.Count);
        for (var i = 0; i < markers.Count; i++)
        {
            var start = markers[i].Index + markers[i].Length;
            var end = i + 1 < markers.Count ? markers[i + 1].Index : transcript.Length;
            var text = transcript[start..end].Trim();
            turns.Add(markers[i].Groups[1].Value == "Human" ? ChatTurn.User(text) : ChatTurn.Assistant(text));
        }

        return turns;
    }

    /// <summary>Parses one JSONL row.</summary>
    /// <param name="line">The JSON object text.</param>
    /// <param name="sourceName">How error messages name the file.</param>
    /// <param name="lineNumber">The 1-based line number used in error messages.</param>
    /// <param name="keyField">The field holding the user id or user type, or null for none.</param>
    /// <param name="groupField">The field holding the evaluation group, or null for none; rows without it get no group.</param>
    /// <exception cref="PreferenceDataException">The row is not valid JSON, misses a field, or its transcripts do not form a pair.</exception>
    public static ImportedPreferenceRow ParseRow(string line, string sourceName, long lineNumber, string? keyField = null, string? groupField = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        var at = new JsonLine(sourceName, lineNumber);
        using var document = at.Parse(line);
        var root = document.RootElement;
        var chosen = Transcript(at, at.RequireString(root, "chosen", "chosen"), "chosen");
        var rejected = Transcript(at, at.RequireString(root, "rejected", "rejected"), "rejected");
        var pair = SharedPrefix.Split(at, chosen, rejected, "chosen", "rejected");
        return new ImportedPreferenceRow(sourceName, lineNumber, pair, ImportFields.Read(at, root, keyField), ImportFields.ReadOptional(at, root, groupField));
    }

    private static IReadOnlyList<ChatTurn> Transcript(JsonLine at, string text, string field)
    {
        try
        {
            return ParseTranscript(text);
        }
        catch (FormatException ex)
        {
            throw at.Error(field, ex.Message);
        }
    }

    [GeneratedRegex(@"(?:^|\n\n)(Human|Assistant):", RegexOptions.CultureInvariant)]
    private static partial Regex Marker();
}
