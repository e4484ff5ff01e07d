using Plus.Core.Tests.Prompts;
using Plus.ZeroShot;
using Snapshooter.Xunit;

namespace Plus.Core.Tests.ZeroShot;

public class ChatClientPersonalizerTests
{
    [Fact]
    public async Task Sends_the_appendix_G_generation_prompt_with_the_summary()
    {
        var client = new RecordingChatClient("Adopt a cat.");
        var personalizer = new ChatClientPersonalizer(client, options: new ChatClientPersonalizerOptions { MaxOutputTokens = 128, Temperature = 0.7f });
        var result = await personalizer.PersonalizeAsync(UserContext.Empty, PromptFixtures.NewPrompt, summary: UserSummary.FromUser("Prefers cats."));

        Snapshot.Match(PromptFixtures.Show(client.Requests[0].Messages));
        Assert.Equal("Adopt a cat.", result.Text);
        Assert.Equal(["Adopt a cat."], result.Candidates);
        Assert.Null(result.Rewards);
        Assert.Equal(128, client.Requests[0].Options!.MaxOutputTokens);
        Assert.Equal(0.7f, client.Requests[0].Options!.Temperature);
    }

    [Fact]
    public async Task Best_of_n_picks_the_highest_summary_conditioned_reward()
    {
        var client = new RecordingChatClient("short", "best", "long");
        var rewards = new TableRewardModel(new Dictionary<string, float> { ["short"] = 0.1f, ["best"] = 2.5f, ["long"] = -1f });
        var personalizer = new ChatClientPersonalizer(client, rewardModel: rewards);
        var summary = UserSummary.FromUser("Prefers cats.");

        var result = await personalizer.PersonalizeAsync(UserContext.Empty, PromptFixtures.NewPrompt, candidates: 3, summary: summary);

        Assert.Equal("best", result.Text);
        Assert.Equal(["short", "best", "long"], result.Candidates);
        Assert.Equal([0.1f, 2.5f, -1f], result.Rewards);
        Assert.Equal(3, client.Requests.Count);
        Assert.All(rewards.Queries, q =>
        {
            Assert.Equal(UserConditioning.FromSummary(summary), q.Conditioning);
            Assert.Equal(PromptFixtures.NewPrompt, q.Prompt);
        });
    }

    [Fact]
    public async Task Best_of_n_ties_go_to_the_earliest_candidate()
    {
        var client = new RecordingChatClient("a", "b");
        var rewards = new TableRewardModel(new Dictionary<string, float> { ["a"] = 1f, ["b"] = 1f });
        var result = await new ChatClientPersonalizer(client, rewardModel: rewards)
            .PersonalizeAsync(UserContext.Empty, PromptFixtures.NewPrompt, candidates: 2, summary: UserSummary.FromUser("z"));
        Assert.Equal("a", result.Text);
    }

    [Fact]
    public async Task Best_of_n_without_a_reward_model_is_a_clear_argument_error()
    {
        var personalizer = new ChatClientPersonalizer(new RecordingChatClient("x"));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() =>
            personalizer.PersonalizeAsync(UserContext.Empty, PromptFixtures.NewPrompt, candidates: 2, summary: UserSummary.FromUser("z")));
        Assert.Equal("candidates", ex.ParamName);
        Assert.Contains("IRewardModel", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() =>
            personalizer.PersonalizeAsync(UserContext.Empty, PromptFixtures.NewPrompt, candidates: 0, summary: UserSummary.FromUser("z")));
    }

    [Fact]
    public async Task No_summary_and_no_summarizer_is_an_argument_error()
    {
        var personalizer = new ChatClientPersonalizer(new RecordingChatClient("x"));
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => personalizer.PersonalizeAsync(PromptFixtures.Context, PromptFixtures.NewPrompt));
        Assert.Equal("summary", ex.ParamName);
    }

    [Fact]
    public async Task Summarizer_writes_the_summary_from_the_context()
    {
        var client = new RecordingChatClient("x");
        var summarizer = new FixedSummarizer("Prefers dogs.");
        var result = await new ChatClientPersonalizer(client, summarizer: summarizer).PersonalizeAsync(PromptFixtures.Context, PromptFixtures.NewPrompt);
        Assert.Equal("Prefers dogs.", result.Summary.Text);
        Assert.EndsWith("summary about the user's preference: Prefers dogs.", client.Requests[0].Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Cancellation_between_candidates_stops_generation()
    {
        using var cts = new CancellationTokenSource();
        var client = new CancellingChatClient(cts);
        var rewards = new TableRewardModel(new Dictionary<string, float>());
        var personalizer = new ChatClientPersonalizer(client, rewardModel: rewards);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() =>
            personalizer.PersonalizeAsync(UserContext.Empty, PromptFixtures.NewPrompt, candidates: 4, summary: UserSummary.FromUser("z"), cancellationToken: cts.Token));
        Assert.Equal(1, client.Answered);
        Assert.Empty(rewards.Queries);
    }
}
