using System.Text;
using Plus.Data;

namespace Plus.Core.Tests.Fuzz;

/// <summary>Named hostile inputs for the preference JSONL reader (docs/reliability.md).</summary>
public sealed class PreferenceJsonlHostileInputTests
{
    private const string Good = """{"user_id":"u","target":{"prompt":"q","chosen":"c","rejected":"d"}}""";

    private static async Task<PreferenceDataException> ReadFails(byte[] content, string name = "data.jsonl")
    {
        return await Assert.ThrowsAsync<PreferenceDataException>(async () =>
        {
            await foreach (var _ in PreferenceJsonl.ReadAsync(new MemoryStream(content), name))
            {
            }
        });
    }

    private static Task<PreferenceDataException> ReadFails(string content) => ReadFails(Encoding.UTF8.GetBytes(content));

    [Theory]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","chosen":"","rejected":"d"}}""", "target.chosen", "must not be empty")]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","chosen":"c","rejected":"  "}}""", "target.rejected", "must not be empty")]
    [InlineData("""{"user_id":"u","target":{"prompt":"q","chosen":"same","rejected":"same"}}""", "target", "same text for 'chosen' and 'rejected'")]
    [InlineData("""{"user_id":"u","context":{"pairs":[{"prompt":"p","chosen":"x","rejected":"x"}]},"target":{"prompt":"q","chosen":"c","rejected":"d"}}""", "context.pairs[0]", "same text")]
    public async Task Empty_or_identical_chosen_and_rejected_are_reported_with_file_line_and_field(string bad, string field, string reason)
    {
        var error = await ReadFails(Good + "\n\n" + bad + "\n");
        Assert.Equal("data.jsonl", error.FileName);
        Assert.Equal(3, error.LineNumber);
        Assert.Equal(field, error.Field);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.StartsWith("data.jsonl line 3: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_json_error_shows_the_real_line_only_not_the_parsers_LineNumber_0()
    {
        var error = await ReadFails(Good + "\n" + Good + "\n" + """{"user_id":"u","target":x}""");
        Assert.Equal(3, error.LineNumber);
        Assert.DoesNotContain("LineNumber", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("line 0", error.Message, StringComparison.Ordinal);
        Assert.StartsWith("data.jsonl line 3: is not valid JSON: ", error.Message, StringComparison.Ordinal);
        Assert.True(error.Message.Contains("(byte 25 of the line)", StringComparison.Ordinal), error.Message);
    }

    [Fact]
    public async Task Non_utf8_bytes_are_reported_on_their_own_line_instead_of_becoming_replacement_characters()
    {
        byte[] bad = [.. Encoding.UTF8.GetBytes(Good + "\n{\"user_id\":\"u"), 0xC3, 0x28, .. Encoding.UTF8.GetBytes("\",\"target\":{\"prompt\":\"q\",\"chosen\":\"c\",\"rejected\":\"d\"}}\n" + Good)];
        var error = await ReadFails(bad);
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("not valid UTF-8 (byte 14 of the line)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Ten_thousand_levels_of_nesting_are_refused_as_invalid_json_without_a_stack_overflow()
    {
        string deep = """{"user_id":"u","extra":""" + new string('[', 10_000) + new string(']', 10_000) + ""","target":{"prompt":"q","chosen":"c","rejected":"d"}}""";
        var error = await ReadFails(deep);
        Assert.Equal(1, error.LineNumber);
        Assert.Contains("is not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("depth", error.Message, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task A_bom_and_crlf_line_ends_are_accepted()
    {
        byte[] content = [0xEF, 0xBB, 0xBF, .. Encoding.UTF8.GetBytes(Good + "\r\n" + Good + "\r\n")];
        int count = 0;
        await foreach (var example in PreferenceJsonl.ReadAsync(new MemoryStream(content), "data.jsonl"))
        {
            Assert.Equal("d", example.Target.Rejected);
            count++;
        }

        Assert.Equal(2, count);
    }

    [Fact]
    public async Task A_duplicate_key_is_refused_rather_than_one_value_silently_winning()
    {
        var error = await ReadFails(Good + "\n" + """{"user_id":"u","target":{"prompt":"q","chosen":"c","rejected":"d","chosen":"e"}}""");
        Assert.Equal(2, error.LineNumber);
        Assert.Contains("is not valid JSON", error.Message, StringComparison.Ordinal);
        Assert.Contains("chosen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_endless_line_stops_at_the_line_limit_instead_of_buffering_without_bound()
    {
        var error = await Assert.ThrowsAsync<PreferenceDataException>(async () =>
        {
            await foreach (var _ in PreferenceJsonl.ReadAsync(new EndlessStream(), "endless.jsonl"))
            {
            }
        });
        Assert.Equal(1, error.LineNumber);
        Assert.Contains("is longer than 67108864 bytes", error.Message, StringComparison.Ordinal);
    }

    /// <summary>A stream of '{' bytes that never ends and never has a newline.</summary>
    private sealed class EndlessStream : Stream
    {
        public override bool CanRead => true;

        public override bool CanSeek => false;

        public override bool CanWrite => false;

        public override long Length => throw new NotSupportedException();

        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush()
        {
        }

        public override int Read(byte[] buffer, int offset, int count)
        {
            buffer.AsSpan(offset, count).Fill((byte)'{');
            return count;
        }

        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

        public override void SetLength(long value) => throw new NotSupportedException();

        public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
    }
}
