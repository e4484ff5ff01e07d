using Plus.Inference;

namespace Plus.Core.Tests.Inference;

public sealed class ConditionedPreferencePredictorTests
{
    private static readonly Conversation Prompt = Conversation.FromUser("Please talk about one kind of pets.");

    private static UserContext Context(string chosen) =>
        new(new ValueList<PreferencePair>([new PreferencePair(Prompt, chosen, "rabbits")]));

    // The reward is 2 when the response matches what the summary says the user likes, else -1.
    private static float Score(string summary, string response) => summary.EndsWith(response, StringComparison.Ordinal) ? 2f : -1f;

    [Fact]
    public async Task The_probability_is_the_sigmoid_of_the_reward_difference_under_the_generated_summary()
    {
        var summarizer = new FakeSummarizer();
        var rewards = new FakeRewardModel(Score);
        var predictor = new ConditionedPreferencePredictor(summarizer, rewards);

        var prediction = await predictor.PredictAsync(Context("dogs"), Prompt, "dogs", "cats");

        Assert.Equal(1 / (1 + Math.Exp(-3.0)), prediction.ProbabilityFirst, 12);
        Assert.Equal(2f, prediction.RewardFirst);
        Assert.Equal(-1f, prediction.RewardSecond);
        Assert.True(prediction.PrefersFirst);
        Assert.Equal("likes dogs", prediction.Summary!.Text);
        Assert.Single(summarizer.Calls);
        var queries = Assert.Single(rewards.Calls);
        Assert.Equal(["dogs", "cats"], queries.Select(q => q.Response));
        Assert.All(queries, q => Assert.Equal(ConditioningKind.Summary, q.Conditioning.Kind));
        Assert.All(queries, q => Assert.Equal(Prompt, q.Prompt));

        var reversed = await predictor.PredictAsync(Context("dogs"), Prompt, "cats", "dogs");
        Assert.Equal(1 - prediction.ProbabilityFirst, reversed.ProbabilityFirst, 12);
    }

    [Fact]
    public async Task An_edited_summary_bypasses_the_summarizer()
    {
        var summarizer = new FakeSummarizer();
        var predictor = new ConditionedPreferencePredictor(summarizer, new FakeRewardModel(Score));
        var edited = UserSummary.FromUser("likes cats");

        var prediction = await predictor.PredictAsync(Context("dogs"), Prompt, "dogs", "cats", edited);

        Assert.Empty(summarizer.Calls);
        Assert.Same(edited, prediction.Summary);
        Assert.Equal(1 / (1 + Math.Exp(3.0)), prediction.ProbabilityFirst, 12);
        Assert.False(prediction.PrefersFirst);
    }

    [Fact]
    public async Task Cancellation_throws_before_any_work()
    {
        var summarizer = new FakeSummarizer();
        var rewards = new FakeRewardModel(Score);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            new ConditionedPreferencePredictor(summarizer, rewards).PredictAsync(Context("dogs"), Prompt, "dogs", "cats", cancellationToken: cts.Token));
        Assert.Empty(summarizer.Calls);
        Assert.Empty(rewards.Calls);
    }

    [Theory]
    [InlineData(0.0, 0.0, 0.5)]
    [InlineData(1000.0, -1000.0, 1.0)]
    [InlineData(-1000.0, 1000.0, 0.0)]
    [InlineData(0.5, -0.5, 0.7310585786300049)]
    public void Bradley_terry_is_stable_at_the_extremes(double r1, double r2, double expected)
    {
        double p = BradleyTerry.Probability(r1, r2);
        Assert.Equal(expected, p, 12);
        Assert.InRange(p, 0, 1);
    }
}
