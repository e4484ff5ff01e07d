using Microsoft.Extensions.DependencyInjection;
using Plus.Inference;

namespace Plus.Core.Tests.Inference;

public sealed class ConditionedPreferenceModelTests
{
    private static readonly Conversation Prompt = Conversation.FromUser("Please talk about one kind of pets.");

    private static UserContext Context(string chosen) =>
        new(new ValueList<PreferencePair>([new PreferencePair(Prompt, chosen, "rabbits")]));

    private static PreferenceExample Example(string user, string likes, string chosen, string rejected) =>
        new(user, Context(likes), new PreferencePair(Prompt, chosen, rejected));

    private static float Score(string summary, string response) => summary.EndsWith(response, StringComparison.Ordinal) ? 1.5f : 0f;

    [Fact]
    public async Task Each_distinct_context_is_summarized_once_and_every_example_gets_sigma_of_its_reward_difference()
    {
        var examples = new[]
        {
            Example("u1", "dogs", "dogs", "cats"),
            Example("u1", "dogs", "cats", "dogs"),
            Example("u2", "cats", "dogs", "cats"),
            Example("u3", "birds", "birds", "cats"),
            Example("u2", "cats", "cats", "birds"),
        };
        var summarizer = new FakeSummarizer();
        var rewards = new FakeRewardModel(Score);
        var model = new ConditionedPreferenceModel(summarizer, rewards, new ConditionedPreferenceModelOptions { SummaryBatchSize = 2, RewardBatchSize = 4 });

        var probabilities = await model.PredictChosenProbabilitiesAsync(examples);

        double high = 1 / (1 + Math.Exp(-1.5));
        Assert.Equal([high, 1 - high, 1 - high, high, high], probabilities.ToArray(), new ToleranceComparer(1e-12));
        var summarized = summarizer.Calls.SelectMany(c => c).ToList();
        Assert.Equal(3, summarized.Count);
        Assert.Equal(3, summarized.Distinct().Count());
        Assert.Equal([2, 1], summarizer.Calls.Select(c => c.Count));
        Assert.Equal([4, 4, 2], rewards.Calls.Select(c => c.Count));
        Assert.Equal("PLUS", model.Name);
    }

    [Fact]
    public async Task Cancellation_stops_between_batches()
    {
        var summarizer = new FakeSummarizer();
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        var model = new ConditionedPreferenceModel(summarizer, new FakeRewardModel(Score));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => model.PredictChosenProbabilitiesAsync([Example("u", "dogs", "dogs", "cats")], cts.Token));
        Assert.Empty(summarizer.Calls);
    }

    [Fact]
    public void Options_out_of_range_are_rejected()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new ConditionedPreferenceModel(new FakeSummarizer(), new FakeRewardModel(Score), new ConditionedPreferenceModelOptions { RewardBatchSize = 1 }));
        Assert.Contains("RewardBatchSize", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task AddSummaryPreferencePredictor_registers_the_predictor_over_the_summarizer_and_reward_model_in_DI()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IUserSummarizer, FakeSummarizer>();
        services.AddSingleton<IRewardModel>(new FakeRewardModel(Score));
        services.AddPlus().AddSummaryPreferencePredictor();
        using var provider = services.BuildServiceProvider();
        var predictor = provider.GetRequiredService<IPreferencePredictor>();
        Assert.IsType<ConditionedPreferencePredictor>(predictor);
        var prediction = await predictor.PredictAsync(Context("dogs"), Prompt, "dogs", "cats");
        Assert.True(prediction.PrefersFirst);

        var missing = new ServiceCollection();
        missing.AddPlus().AddSummaryPreferencePredictor();
        using var incomplete = missing.BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => incomplete.GetRequiredService<IPreferencePredictor>());
        Assert.Contains("IUserSummarizer", ex.Message, StringComparison.Ordinal);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;

        public int GetHashCode(double obj) => 0;
    }
}
