namespace Plus.Data;

/// <summary>The row formats that <see cref="PreferenceRowReader"/> converts into <see cref="ImportedPreferenceRow"/>s.</summary>
public enum PreferenceImportFormat
{
    /// <summary>
    /// Anthropic HH-RLHF style rows: <c>chosen</c> and <c>rejected</c> transcripts
    /// (<c>"\n\nHuman: … \n\nAssistant: …"</c>, one or more turns); see <see cref="HhRlhfImporter"/>.
    /// </summary>
    HhRlhf,

    /// <summary>
    /// TRL / OpenRLHF preference rows: <c>prompt</c>, <c>chosen</c>, <c>rejected</c>, each a plain string or a
    /// conversational list of <c>{"role", "content"}</c> messages; see <see cref="TrlPreferenceImporter"/>.
    /// </summary>
    Trl,
}
