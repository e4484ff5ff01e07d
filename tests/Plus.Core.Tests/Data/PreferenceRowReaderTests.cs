using Plus.Data;

namespace Plus.Core.Tests.Data;

public class PreferenceRowReaderTests
{
    private static readonly string BadHh = Path.Combine(AppContext.BaseDirectory, "fixtures", "cli", "hh-bad.jsonl");

    [Fact]
    public async Task Without_a_handler_the_first_bad_row_throws_with_its_line()
    {
        var error = await Assert.ThrowsAsync<PreferenceDataException>(async () =>
        {
            await foreach (var _ in PreferenceRowReader.ReadAsync(BadHh, PreferenceImportFormat.HhRlhf, "persona"))
            {
            }
        });
        Assert.Equal(4, error.LineNumber);
        Assert.Equal("rejected", error.Field);
    }

    [Fact]
    public async Task With_a_handler_every_bad_row_is_reported_and_the_good_rows_kept_in_order()
    {
        var bad = new List<PreferenceDataException>();
        var rows = new List<ImportedPreferenceRow>();
        await foreach (var row in PreferenceRowReader.ReadAsync(BadHh, PreferenceImportFormat.HhRlhf, "persona", onBadRow: bad.Add))
        {
            rows.Add(row);
        }

        Assert.Equal(new long[] { 4, 6, 7 }, bad.Select(e => e.LineNumber));
        Assert.Equal(new long[] { 1, 2, 5, 8 }, rows.Select(r => r.LineNumber)); // line 3 is blank
        Assert.Equal(new[] { "concise", "detailed", "concise", "detailed" }, rows.Select(r => r.Key));
    }

    [Fact]
    public async Task Plus_jsonl_rows_are_read_with_the_same_bad_row_handling_and_a_missing_file_is_named()
    {
        var folder = TestFiles.NewScratchFolder();
        var path = Path.Combine(folder, "mixed.jsonl");
        var example = new PreferenceExample("u1", UserContext.Empty, new PreferencePair(Conversation.FromUser("p"), "a", "b"));
        await File.WriteAllTextAsync(path, PreferenceJsonl.Serialize(example) + "\n{\"user_id\":\"u2\"}\n");

        var bad = new List<PreferenceDataException>();
        var read = new List<PreferenceExample>();
        await foreach (var e in PreferenceRowReader.ReadExamplesAsync(path, bad.Add)) read.Add(e);
        Assert.Equal(new[] { example }, read);
        Assert.Equal($"{path} line 2: field 'target' is missing", Assert.Single(bad).Message);

        var missing = await Assert.ThrowsAsync<FileNotFoundException>(async () =>
        {
            await foreach (var _ in PreferenceRowReader.ReadExamplesAsync(Path.Combine(folder, "none.jsonl")))
            {
            }
        });
        Assert.Contains("none.jsonl' does not exist", missing.Message);
    }
}
