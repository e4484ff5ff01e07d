using Microsoft.Extensions.Logging;
using Plus.Core.Tests.Prompts;
using Plus.ZeroShot;
using Snapshooter;
using Snapshooter.Xunit;

namespace Plus.Core.Tests.ZeroShot;

public class ChatClientPreferenceJudgeTests
{
    private const string Chosen = "Here are the main trade-offs to weigh.";
    private const string Rejected = "Yes, absolutely.";

    [Fact]
    public async Task Sends_the_appendix_G_prompts_with_and_without_summary_in_the_same_order()
    {
        var client = new RecordingChatClient("Option 1");
        var judge = new ChatClientPreferenceJudge(client);

        await judge.PredictAsync(UserContext.Empty, PromptFixtures.MultiTurnPrompt, Chosen, Rejected);
        await judge.PredictAsync(UserContext.Empty, PromptFixtures.MultiTurnPrompt, Chosen, Rejected, UserSummary.FromUser("Values balanced perspectives."));

        Snapshot.Match(PromptFixtures.Show(client.Requests[0].Messages) + "----\n" + PromptFixtures.Show(client.Requests[1].Messages));
        var without = client.Requests[0].Messages[^1].Text;
        var with = client.Requests[1].Messages[^1].Text;
        Assert.StartsWith(without, with, StringComparison.Ordinal);
    }

    [Fact]
    public void Order_is_drawn_per_query_from_the_seed_and_both_orders_occur()
    {
        var judge = new ChatClientPreferenceJudge(new RecordingChatClient("Option 1"), options: new ChatClientJudgeOptions { Seed = 7 });
        var draws = Enumerable.Range(0, 40).Select(i => judge.ShowsFirstAsOption1(Conversation.FromUser($"q{i}"), "a", "b")).ToArray();
        Assert.Contains(true, draws);
        Assert.Contains(false, draws);

        var again = new ChatClientPreferenceJudge(new RecordingChatClient("Option 1"), options: new ChatClientJudgeOptions { Seed = 7 });
        Assert.Equal(draws, Enumerable.Range(0, 40).Select(i => again.ShowsFirstAsOption1(Conversation.FromUser($"q{i}"), "a", "b")));

        var other = new ChatClientPreferenceJudge(new RecordingChatClient("Option 1"), options: new ChatClientJudgeOptions { Seed = 8 });
        Assert.NotEqual(draws, Enumerable.Range(0, 40).Select(i => other.ShowsFirstAsOption1(Conversation.FromUser($"q{i}"), "a", "b")));
    }

    [Theory]
    [InlineData("Option 1")]
    [InlineData("Option 2")]
    public async Task Answer_is_mapped_back_through_the_shown_order(string answer)
    {
        for (var i = 0; i < 6; i++)
        {
            var client = new RecordingChatClient(answer);
            var judge = new ChatClientPreferenceJudge(client);
            var prompt = Conversation.FromUser($"question {i}");
            var prediction = await judge.PredictAsync(UserContext.Empty, prompt, Chosen, Rejected);

            var shownFirst = judge.ShowsFirstAsOption1(prompt, Chosen, Rejected);
            var user = client.Requests[0].Messages[^1].Text;
            var option1 = shownFirst ? Chosen : Rejected;
            Assert.Contains($"Option 1 is: {option1} Option 2 is:", user, StringComparison.Ordinal);

            var pickedFirst = (answer == "Option 1") == shownFirst;
            Assert.Equal(pickedFirst ? 1.0 : 0.0, prediction.ProbabilityFirst);
            Assert.Equal(pickedFirst, prediction.PrefersFirst);
        }
    }

    [Fact]
    public async Task Unparseable_answer_gives_one_half_and_a_warning()
    {
        var logger = new ListLogger();
        var judge = new ChatClientPreferenceJudge(new RecordingChatClient("Both are fine."), logger: logger);
        var prediction = await judge.PredictAsync(UserContext.Empty, PromptFixtures.NewPrompt, "a", "b");
        Assert.Equal(0.5, prediction.ProbabilityFirst);
        Assert.False(prediction.PrefersFirst);
        var entry = Assert.Single(logger.Entries);
        Assert.Equal(LogLevel.Warning, entry.Level);
        Assert.Contains("Both are fine.", entry.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Summarizer_writes_the_summary_when_none_is_passed()
    {
        var client = new RecordingChatClient("Option 1");
        var summarizer = new FixedSummarizer("Prefers cats.");
        var judge = new ChatClientPreferenceJudge(client, summarizer: summarizer);
        var prediction = await judge.PredictAsync(PromptFixtures.Context, PromptFixtures.NewPrompt, "a", "b");
        Assert.Equal(1, summarizer.Calls);
        Assert.Equal("Prefers cats.", prediction.Summary?.Text);
        Assert.Contains("based on past conversation: Prefers cats. Based on", client.Requests[0].Messages[^1].Text, StringComparison.Ordinal);

        await judge.PredictAsync(PromptFixtures.Context, PromptFixtures.NewPrompt, "a", "b", UserSummary.FromUser("edited"));
        Assert.Equal(1, summarizer.Calls);
        Assert.Contains(": edited Based on", client.Requests[1].Messages[^1].Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Chat_options_are_sent()
    {
        var client = new RecordingChatClient("Option 2");
        var judge = new ChatClientPreferenceJudge(client, options: new ChatClientJudgeOptions { MaxOutputTokens = 8, Temperature = 0f, ModelId = "judge" });
        await judge.PredictAsync(UserContext.Empty, PromptFixtures.NewPrompt, "a", "b");
        var options = client.Requests[0].Options!;
        Assert.Equal(8, options.MaxOutputTokens);
        Assert.Equal(0f, options.Temperature);
        Assert.Equal("judge", options.ModelId);
    }

    [Fact]
    public async Task Cancellation_is_honoured_before_asking_the_model()
    {
        var client = new RecordingChatClient("Option 1");
        var judge = new ChatClientPreferenceJudge(client);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => judge.PredictAsync(UserContext.Empty, PromptFixtures.NewPrompt, "a", "b", cancellationToken: cts.Token));
        Assert.Empty(client.Requests);
    }
}
