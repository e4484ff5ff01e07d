using Plus.Prompts;

namespace Plus.Core.Tests.Prompts;

public class SummaryExtractorTests
{
    private static readonly SummaryExtractor Extractor = new();

    [Theory]
    [InlineData("##Summary: Prefers cats.", "Prefers cats.")]
    [InlineData("##Summary\n\n  The user prefers cats.  \n", "The user prefers cats.")]
    [InlineData("## summary :: likes brevity", "likes brevity")]
    [InlineData("###SUMMARY\tlikes brevity", "likes brevity")]
    [InlineData("Sure! ##Summary: concise answers", "concise answers")]
    public void Text_after_the_marker_is_kept_without_leading_colons_or_whitespace(string output, string expected)
    {
        var result = Extractor.Extract(output);
        Assert.Equal(expected, result.Text);
        Assert.True(result.MarkerFound);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void The_last_marker_wins_so_an_echoed_prompt_is_skipped()
    {
        var output = "... Keep the summary concise under 50 words. Start your response with ##Summary\n##Summary: prefers dogs";
        Assert.Equal("prefers dogs", Extractor.Extract(output).Text);
    }

    [Fact]
    public void Missing_marker_uses_the_whole_trimmed_output_and_says_so()
    {
        var result = Extractor.Extract("  : The user likes cats.\n");
        Assert.Equal("The user likes cats.", result.Text);
        Assert.False(result.MarkerFound);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData(" \n\t ")]
    public void Empty_output_gives_an_empty_summary(string? output)
    {
        var result = Extractor.Extract(output);
        Assert.True(result.IsEmpty);
        Assert.False(result.MarkerFound);
    }

    [Fact]
    public void Marker_with_nothing_after_it_gives_an_empty_summary_with_the_marker_found()
    {
        var result = Extractor.Extract("##Summary:  \n");
        Assert.True(result.IsEmpty);
        Assert.True(result.MarkerFound);
    }

    [Fact]
    public void Words_are_capped_keeping_the_whitespace_between_them()
    {
        var result = new SummaryExtractor(maxWords: 3).Extract("##Summary one two\nthree four five");
        Assert.Equal("one two\nthree", result.Text);
        Assert.True(result.Truncated);
    }

    [Fact]
    public void Default_cap_is_fifty_words()
    {
        var words = string.Join(' ', Enumerable.Range(0, 80).Select(i => $"w{i}"));
        var result = Extractor.Extract("##Summary " + words);
        Assert.Equal(50, result.Text.Split(' ').Length);
        Assert.EndsWith("w49", result.Text, StringComparison.Ordinal);
    }

    [Fact]
    public void Token_cap_drops_trailing_words_until_the_text_fits()
    {
        // Counts characters as tokens: "aa bb" is 5, "aa bb cc" is 8.
        var extractor = new SummaryExtractor(maxWords: 50, maxTokens: 6, tokenCounter: s => s.Length);
        var result = extractor.Extract("##Summary aa bb cc dd");
        Assert.Equal("aa bb", result.Text);
        Assert.True(result.Truncated);
    }

    [Fact]
    public void Token_cap_that_fits_changes_nothing()
    {
        var extractor = new SummaryExtractor(maxTokens: 100, tokenCounter: s => s.Length);
        var result = extractor.Extract("##Summary aa bb");
        Assert.Equal("aa bb", result.Text);
        Assert.False(result.Truncated);
    }

    [Fact]
    public void Token_limit_without_a_counter_is_refused()
    {
        Assert.Throws<ArgumentException>(() => new SummaryExtractor(maxTokens: 10));
        Assert.Throws<ArgumentOutOfRangeException>(() => new SummaryExtractor(maxWords: 0));
    }

    [Fact]
    public void User_summary_keeps_the_raw_output()
    {
        var summary = Extractor.ToUserSummary("##Summary: likes cats", "tiny-qwen2");
        Assert.Equal(new UserSummary("likes cats", SummarySource.Generated, "##Summary: likes cats", "tiny-qwen2"), summary);
    }
}
