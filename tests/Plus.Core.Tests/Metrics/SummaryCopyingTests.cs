using Plus.Metrics;

namespace Plus.Core.Tests.Metrics;

public class SummaryCopyingTests
{
    private static readonly UserContext Context = new(new[]
    {
        new PreferencePair(Conversation.FromUser("Please talk about one kind of pets."), "Dogs have a natural inclination to mark their territory.", "Cats groom themselves for hours."),
        new PreferencePair(Conversation.FromUser("Please talk about one kind of pets."), "Dogs are loyal.", "Cats."),
    });

    [Theory]
    [InlineData("The user chose Dogs have a natural inclination to mark their territory.", true)]
    [InlineData("the user likes that DOGS HAVE A NATURAL inclination", true)] // case and punctuation do not matter
    [InlineData("The user chose Cats groom themselves for hours and rejected dogs.", true)] // a rejected response copies too
    [InlineData("The user chose Dogs are loyal.", true)] // a response shorter than the window copies whole
    [InlineData("The user chose Dogs and rejected Cats.", false)] // "Cats." is one word: no sentence to copy
    [InlineData("The user prefers dogs, which have a natural inclination.", false)] // four words in a row, not five
    [InlineData("Dogs are very loyal.", false)] // not the whole short response "Dogs are loyal."
    public void Detects_copied_responses(string summary, bool copies)
    {
        Assert.Equal(copies, SummaryCopying.ContainsContextSentence(summary, Context));
    }

    [Fact]
    public void Sentences_outside_the_context_count_when_given()
    {
        // A sentence the summarizer memorized in training is not in this user's context but is still a copy.
        const string summary = "The user chose Dogs enjoy being praised for good behavior.";
        Assert.False(SummaryCopying.ContainsContextSentence(summary, Context));
        Assert.True(SummaryCopying.ContainsSentence(summary, ["Birds sing.", "Dogs enjoy being praised for good behavior."]));
        Assert.False(SummaryCopying.ContainsSentence(summary, []));
    }

    [Fact]
    public void A_smaller_window_finds_shorter_runs()
    {
        Assert.True(SummaryCopying.ContainsContextSentence("The user prefers dogs, which have a natural inclination.", Context, window: 4));
        Assert.Throws<ArgumentOutOfRangeException>(() => SummaryCopying.ContainsContextSentence("x", Context, window: 1));
    }
}
