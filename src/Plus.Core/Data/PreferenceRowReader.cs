using System.Runtime.CompilerServices;

namespace Plus.Data;

/// <summary>
/// Streams the rows of users' preference files (HH-RLHF, TRL/OpenRLHF, or Plus JSONL) line by line, either failing
/// at the first bad row or reporting each bad row and going on.
/// </summary>
/// <remarks>
/// Blank lines are ignored. A bad row is a <see cref="PreferenceDataException"/> naming the file, the 1-based line
/// and the field: with <c>onBadRow</c> null it is thrown; otherwise it is passed to <c>onBadRow</c> and the row is
/// skipped, so the caller can count and report every skipped row (nothing is dropped silently). Thread-safe.
/// </remarks>
public static class PreferenceRowReader
{
    /// <summary>Streams the rows of an HH-RLHF or TRL file.</summary>
    /// <param name="path">The JSONL file; named in error messages as given.</param>
    /// <param name="format">The row format.</param>
    /// <param name="keyField">The field holding the user id or user type (read into <see cref="ImportedPreferenceRow.Key"/>), or null.</param>
    /// <param name="groupField">The field holding the evaluation group, or null; rows without it get no group.</param>
    /// <param name="onBadRow">Receives each bad row (which is then skipped); null to throw at the first one.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PreferenceDataException">A row is bad and <paramref name="onBadRow"/> is null.</exception>
    public static async IAsyncEnumerable<ImportedPreferenceRow> ReadAsync(
        string path,
        PreferenceImportFormat format,
        string? keyField = null,
        string? groupField = null,
        Action<PreferenceDataException>? onBadRow = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        if (!Enum.IsDefined(format)) throw new ArgumentOutOfRangeException(nameof(format), format, "The format must be HhRlhf or Trl.");
        var stream = JsonlFile.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var (lineNumber, text) in JsonlFile.ReadLinesAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                ImportedPreferenceRow row;
                try
                {
                    row = format == PreferenceImportFormat.HhRlhf
                        ? HhRlhfImporter.ParseRow(text, path, lineNumber, keyField, groupField)
                        : TrlPreferenceImporter.ParseRow(text, path, lineNumber, keyField, groupField);
                }
                catch (PreferenceDataException ex) when (onBadRow is not null)
                {
                    onBadRow(ex);
                    continue;
                }

                yield return row;
            }
        }
    }

    /// <summary>Streams the examples of a Plus JSONL file (the schema of <see cref="PreferenceJsonl"/>).</summary>
    /// <param name="path">The JSONL file; named in error messages as given.</param>
    /// <param name="onBadRow">Receives each bad row (which is then skipped); null to throw at the first one.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PreferenceDataException">A row is bad and <paramref name="onBadRow"/> is null.</exception>
    public static async IAsyncEnumerable<PreferenceExample> ReadExamplesAsync(
        string path, Action<PreferenceDataException>? onBadRow = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = JsonlFile.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var (lineNumber, text) in JsonlFile.ReadLinesAsync(stream, cancellationToken).ConfigureAwait(false))
            {
                PreferenceExample example;
                try
                {
                    example = PreferenceJsonl.Parse(text, path, lineNumber);
                }
                catch (PreferenceDataException ex) when (onBadRow is not null)
                {
                    onBadRow(ex);
                    continue;
                }

                yield return example;
            }
        }
    }
}
