using Plus.Metrics;

namespace Plus.Core.Tests.Metrics;

public class PreferenceAccuracyTests
{
    private static PreferenceExample Example(string? group) =>
        new("u", UserContext.Empty, new PreferencePair(Conversation.FromUser("q"), "a", "b"), Group: group);

    [Theory]
    [InlineData(0.0, 0.0)]
    [InlineData(0.4999, 0.0)]
    [InlineData(0.5, 0.5)]
    [InlineData(0.5001, 1.0)]
    [InlineData(1.0, 1.0)]
    public void Above_half_counts_chosen_and_exactly_half_counts_half(double p, double credit) =>
        Assert.Equal(credit, PreferenceAccuracy.Credit(p));

    [Fact]
    public void Accuracy_is_reported_overall_and_per_group()
    {
        var examples = new[] { Example("controversial"), Example("controversial"), Example("agreed"), Example(null), Example("agreed") };
        var report = PreferenceAccuracy.Compute(examples, new[] { 0.9, 0.2, 0.5, 0.7, 0.6 });

        Assert.Equal(3.5 / 5, report.Accuracy, 12);
        Assert.Equal(5, report.Count);
        Assert.Equal(new[] { "agreed", "controversial" }, report.Groups.Keys);
        Assert.Equal(new GroupAccuracy(0.75, 2), report.Groups["agreed"]);
        Assert.Equal(new GroupAccuracy(0.5, 2), report.Groups["controversial"]);
    }

    [Fact]
    public void Invalid_inputs_are_rejected_with_the_index()
    {
        var examples = new[] { Example(null), Example(null) };
        Assert.Contains("2 probabilities for 1 examples", Assert.Throws<ArgumentException>(() => PreferenceAccuracy.Compute(examples.Take(1).ToList(), new[] { 0.1, 0.2 })).Message, StringComparison.Ordinal);
        Assert.Contains("Probability 1 is NaN", Assert.Throws<ArgumentException>(() => PreferenceAccuracy.Compute(examples, new[] { 0.1, double.NaN })).Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => PreferenceAccuracy.Compute(examples, new[] { 0.1, 1.2 }));
        Assert.Throws<ArgumentException>(() => PreferenceAccuracy.Compute(Array.Empty<PreferenceExample>(), Array.Empty<double>()));
        Assert.Throws<ArgumentOutOfRangeException>(() => PreferenceAccuracy.Credit(-0.1));
    }
}
