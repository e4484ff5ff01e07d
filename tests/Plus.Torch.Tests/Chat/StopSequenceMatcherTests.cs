using Plus.Torch.Chat;

namespace Plus.Torch.Tests.Chat;

public sealed class StopSequenceMatcherTests(TinyChatFixture fx) : IClassFixture<TinyChatFixture>
{
    [Theory]
    [InlineData("Hello\n", 1)]
    [InlineData("Hello\n\nUs", 4)]
    [InlineData("Hello", 0)]
    [InlineData("Hello EN", 2)]
    [InlineData("", 0)]
    public void The_tail_that_could_start_a_stop_sequence_is_held_back(string text, int expected)
    {
        var matcher = new StopSequenceMatcher(fx.Tokenizer, ["\n\nUser", "END", ""]);
        Assert.Equal(expected, matcher.PossibleStartLength(text));
    }

    [Fact]
    public void The_text_is_cut_before_the_earliest_stop_sequence()
    {
        var matcher = new StopSequenceMatcher(fx.Tokenizer, ["dogs", "are"]);
        Assert.Equal(("Cats ", "are"), matcher.Cut("Cats are not dogs"));
        Assert.Equal(("Birds sing", null), matcher.Cut("Birds sing"));
    }

    [Fact]
    public void A_stop_sequence_is_found_in_the_newest_tokens_even_when_it_spans_several()
    {
        var ids = fx.Tokenizer.Encode("Rabbits are gentle creatures that need plenty of space to hop around.");
        var matcher = new StopSequenceMatcher(fx.Tokenizer, ["hop around"]);
        Assert.True(matcher.EndsWithin(ids));
        Assert.False(matcher.EndsWithin(ids.Take(ids.Count - 2).ToArray()));
        Assert.False(new StopSequenceMatcher(fx.Tokenizer, ["Rabbits"]).EndsWithin([.. ids, .. fx.Tokenizer.Encode(new string('x', 40))]));
    }
}
