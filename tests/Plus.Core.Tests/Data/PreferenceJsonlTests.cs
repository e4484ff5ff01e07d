using System.Text;
using Microsoft.Extensions.AI;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class PreferenceJsonlTests
{
    private const string ValidLine =
        """{"user_id":"u1","context":{"pairs":[{"prompt":[{"role":"user","content":"hi"}],"chosen":"a","rejected":"b"}]},"target":{"prompt":"q","chosen":"c","rejected":"d"}}""";

    private static PreferenceExample Sample(int i) => new(
        $"user-{i}",
        new UserContext(
            new[]
            {
                new PreferencePair(
                    new Conversation(new[] { ChatTurn.System("be brief"), ChatTurn.User("first \"quoted\" ü"), ChatTurn.Assistant("reply"), ChatTurn.User("second") }),
                    "chosen\nwith newline", "rejected"),
                new PreferencePair(Conversation.FromUser("p2"), "x", "y"),
            },
            i % 2 == 0 ? "profile text" : null,
            i % 3 == 0 ? new ValueList<string>(new[] { "helpfulness", "honesty" }) : i % 3 == 1 ? ValueList<string>.Empty : null),
        new PreferencePair(Conversation.FromUser("target prompt " + i), "tc", "tr"),
        i % 2 == 0 ? "This user prefers cats over dogs." : null,
        i % 2 == 0 ? "controversial" : null,
        i % 2 == 0 ? "cat" : null);

    [Fact]
    public async Task Write_then_read_gives_equal_records()
    {
        var folder = TestFiles.NewScratchFolder();
        var path = Path.Combine(folder, "sub", "data.jsonl");
        var examples = Enumerable.Range(0, 7).Select(Sample).ToList();

        await PreferenceJsonl.WriteAsync(path, examples);
        var read = await PreferenceJsonl.ReadAllAsync(path);

        Assert.Equal(examples, read);
        Assert.Equal(7, File.ReadAllLines(path).Length);
        Assert.Empty(Directory.GetFiles(Path.GetDirectoryName(path)!, "*.tmp"));
    }

    [Fact]
    public async Task Writes_the_documented_snake_case_schema()
    {
        var line = PreferenceJsonl.Serialize(Sample(0));
        Assert.StartsWith("""{"user_id":"user-0","context":{"pairs":[{"prompt":[{"role":"system","content":"be brief"}""", line, StringComparison.Ordinal);
        Assert.Contains("\"profile\":\"profile text\",\"attribute_hints\":[\"helpfulness\",\"honesty\"]", line, StringComparison.Ordinal);
        Assert.EndsWith("""},"oracle_preference":"This user prefers cats over dogs.","group":"controversial","user_type":"cat"}""", line, StringComparison.Ordinal);
        Assert.DoesNotContain("null", PreferenceJsonl.Serialize(Sample(1)), StringComparison.Ordinal);

        await Task.CompletedTask;
    }

    [Fact]
    public async Task String_prompt_means_one_user_turn_and_blank_lines_are_allowed()
    {
        var text = "\n" + ValidLine + "\n   \n" + ValidLine.Replace("u1", "u2", StringComparison.Ordinal) + "\n\n";
        var read = await ReadAllAsync(text);

        Assert.Equal(2, read.Count);
        Assert.Equal(Conversation.FromUser("q"), read[0].Target.Prompt);
        Assert.Equal(ChatRole.User, read[0].Context.Pairs[0].Prompt.Turns[0].Role);
        Assert.Equal("u2", read[1].UserId);
        Assert.Null(read[0].Context.Profile);
        Assert.Null(read[0].Group);
    }

    [Fact]
    public async Task Missing_context_means_an_empty_context()
    {
        var read = await ReadAllAsync("""{"user_id":"u","target":{"prompt":"q","chosen":"c","rejected":"d"}}""");
        Assert.Equal(UserContext.Empty, read[0].Context);
    }

    [Theory]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","rejected":"d"}}""", "field 'target.chosen' is missing")]
    [InlineData("""{"target":{"prompt":"q","chosen":"c","rejected":"d"}}""", "field 'user_id' is missing")]
    [InlineData("""{"user_id":"u"}""", "field 'target' is missing")]
    [InlineData("""{"user_id":"u","target":{"chosen":"c","rejected":"d"}}""", "field 'target.prompt' is missing")]
    [InlineData("""{"user_id":7,"target":{"prompt":"q","chosen":"c","rejected":"d"}}""", "field 'user_id' must be a string, found a number")]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","chosen":["c"],"rejected":"d"}}""", "field 'target.chosen' must be a string, found an array")]
    [InlineData("""{"user_id":"u","target":{"prompt":5,"chosen":"c","rejected":"d"}}""", "field 'target.prompt' must be a string or an array")]
    [InlineData("""{"user_id":"u","target":{"prompt":[],"chosen":"c","rejected":"d"}}""", "field 'target.prompt' must hold at least one turn")]
    [InlineData("""{"user_id":"u","target":{"prompt":[{"role":"bot","content":"x"}],"chosen":"c","rejected":"d"}}""", "field 'target.prompt[0].role' must be 'user', 'assistant' or 'system', found 'bot'")]
    [InlineData("""{"user_id":"u","context":{"pairs":[{"prompt":"p","chosen":"c"}]},"target":{"prompt":"q","chosen":"c","rejected":"d"}}""", "field 'context.pairs[0].rejected' is missing")]
    [InlineData("""{"user_id":"u","context":{},"target":{"prompt":"q","chosen":"c","rejected":"d"}}""", "field 'context.pairs' is missing")]
    [InlineData("""{"user_id":"u","context":{"pairs":[],"attribute_hints":[1]},"target":{"prompt":"q","chosen":"c","rejected":"d"}}""", "field 'context.attribute_hints[0]' must be a string, found a number")]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","chosen":"c","rejected":"d"},"group":true}""", "field 'group' must be a string, found a boolean")]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","chosen":"c","rejected":"d"}""", "is not valid JSON")]
    [InlineData("""[1,2]""", "must be a JSON object, found an array")]
    public async Task A_bad_line_names_the_file_line_and_field(string badLine, string expected)
    {
        var folder = TestFiles.NewScratchFolder();
        var path = Path.Combine(folder, "data.jsonl");
        // Lines 1-2 valid, 3 blank, 4 valid, 5 blank, 6 valid, 7 bad.
        await File.WriteAllTextAsync(path, string.Join('\n', ValidLine, ValidLine, "", ValidLine, "  ", ValidLine, badLine, ValidLine) + "\n");

        var read = new List<PreferenceExample>();
        var error = await Assert.ThrowsAsync<PreferenceDataException>(async () =>
        {
            await foreach (var example in PreferenceJsonl.ReadAsync(path)) read.Add(example);
        });

        Assert.Equal(4, read.Count);
        Assert.Equal(7, error.LineNumber);
        Assert.StartsWith(path + " line 7: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Error_message_has_the_documented_form()
    {
        var error = Assert.Throws<PreferenceDataException>(() =>
            PreferenceJsonl.Parse("""{"user_id":"u","target":{"prompt":"q","rejected":"d"}}""", "data.jsonl", 7));
        Assert.Equal("data.jsonl line 7: field 'target.chosen' is missing", error.Message);
        Assert.Equal("target.chosen", error.Field);
        Assert.Equal("data.jsonl", error.FileName);
    }

    [Fact]
    public async Task Reading_a_missing_file_names_it()
    {
        var path = Path.Combine(TestFiles.NewScratchFolder(), "absent.jsonl");
        var error = await Assert.ThrowsAsync<FileNotFoundException>(async () =>
        {
            await foreach (var _ in PreferenceJsonl.ReadAsync(path)) { }
        });
        Assert.Contains(path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reader_honours_cancellation_between_lines()
    {
        var text = string.Join('\n', Enumerable.Repeat(ValidLine, 50));
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        using var cts = new CancellationTokenSource();
        var read = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in PreferenceJsonl.ReadAsync(stream, "mem.jsonl", cts.Token))
            {
                if (++read == 3) await cts.CancelAsync();
            }
        });
        Assert.Equal(3, read);
    }

    [Fact]
    public async Task Reader_honours_cancellation_through_WithCancellation()
    {
        var path = Path.Combine(TestFiles.NewScratchFolder(), "data.jsonl");
        await File.WriteAllTextAsync(path, string.Join('\n', Enumerable.Repeat(ValidLine, 10)));
        using var cts = new CancellationTokenSource();
        var read = 0;

        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var _ in PreferenceJsonl.ReadAsync(path).WithCancellation(cts.Token))
            {
                if (++read == 2) await cts.CancelAsync();
            }
        });
        Assert.Equal(2, read);
    }

    [Fact]
    public async Task A_failed_or_cancelled_write_leaves_the_old_file_untouched()
    {
        var folder = TestFiles.NewScratchFolder();
        var path = Path.Combine(folder, "data.jsonl");
        await PreferenceJsonl.WriteAsync(path, new[] { Sample(1) });
        var before = await File.ReadAllTextAsync(path);

        await Assert.ThrowsAsync<InvalidOperationException>(() => PreferenceJsonl.WriteAsync(path, Failing()));
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => PreferenceJsonl.WriteAsync(path, new[] { Sample(2), Sample(3) }, cts.Token));

        Assert.Equal(before, await File.ReadAllTextAsync(path));
        Assert.Equal(new[] { path }, Directory.GetFiles(folder));
    }

    private static async IAsyncEnumerable<PreferenceExample> Failing()
    {
        yield return Sample(4);
        await Task.Yield();
        throw new InvalidOperationException("source failed");
    }

    private static async Task<List<PreferenceExample>> ReadAllAsync(string text)
    {
        using var stream = new MemoryStream(Encoding.UTF8.GetBytes(text));
        var list = new List<PreferenceExample>();
        await foreach (var example in PreferenceJsonl.ReadAsync(stream, "mem.jsonl")) list.Add(example);
        return list;
    }
}
