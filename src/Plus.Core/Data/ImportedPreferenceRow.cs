namespace Plus.Data;

/// <summary>
/// One preference row read from a user's file (HH-RLHF or TRL style) before users and contexts are built. Immutable.
/// </summary>
/// <param name="Source">The file the row came from, as given.</param>
/// <param name="LineNumber">The row's 1-based line number in <paramref name="Source"/>.</param>
/// <param name="Pair">The prompt and its chosen and rejected responses.</param>
/// <param name="Key">The value of the user-id or user-type field the reader was asked for, or null when none was asked.</param>
/// <param name="Group">The value of the group field the reader was asked for, or null.</param>
public sealed record ImportedPreferenceRow(string Source, long LineNumber, PreferencePair Pair, string? Key = null, string? Group = null);
