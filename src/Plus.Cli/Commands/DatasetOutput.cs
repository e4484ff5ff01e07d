using Plus.Data;

namespace Plus.Cli.Commands;

/// <summary>Writes <c>train.jsonl</c> and <c>test.jsonl</c> with <see cref="PreferenceJsonl"/> and says what was written.</summary>
internal static class DatasetOutput
{
    public const string TrainFile = "train.jsonl";
    public const string TestFile = "test.jsonl";

    public static async Task WriteSplitAsync(DirectoryInfo directory, DatasetSplit split, TextWriter output, CancellationToken cancellationToken)
    {
        await WriteAsync(directory, TrainFile, split.Train, output, cancellationToken).ConfigureAwait(false);
        await WriteAsync(directory, TestFile, split.Test, output, cancellationToken).ConfigureAwait(false);
    }

    public static async Task WriteAsync(DirectoryInfo directory, string name, IReadOnlyCollection<PreferenceExample> examples, TextWriter output, CancellationToken cancellationToken)
    {
        var path = Path.Combine(directory.FullName, name);
        await PreferenceJsonl.WriteAsync(path, examples, cancellationToken).ConfigureAwait(false);
        var users = examples.Select(e => e.UserId).Distinct(StringComparer.Ordinal).Count();
        await output.WriteLineAsync($"Wrote {examples.Count} examples of {users} users to {path}").ConfigureAwait(false);
    }
}
