using System.Text.Json;
using System.Text.RegularExpressions;
using FsCheck.Xunit;
using Microsoft.Extensions.AI;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public partial class PrismDatasetBuilderTests
{
    private static readonly string SurveyPath = TestFiles.Fixture("prism-mini", "survey.jsonl");
    private static readonly string ConversationsPath = TestFiles.Fixture("prism-mini", "conversations.jsonl");

    /// <summary>Conversation id → user id, response text → score, and conversation id → pairs expected (per turn: non-chosen
    /// responses scored strictly below the chosen one), read independently of the builder.</summary>
    private static readonly (Dictionary<string, string> Owner, Dictionary<string, double> Score, Dictionary<string, int> ExpectedPairs) Fixture = LoadFixture();

    private static Task<DatasetSplit> Build(PrismDatasetOptions? options = null) =>
        new PrismDatasetBuilder(options).BuildAsync(SurveyPath, ConversationsPath);

    [Fact]
    public async Task Users_are_filtered_and_one_conversation_per_user_is_held_out()
    {
        var split = await Build();

        // user4 has 3 conversations, user5 no stated preferences.
        Assert.Equal(new[] { "user1", "user2", "user3" }, split.Test.Select(e => e.UserId));
        Assert.Equal(new[] { "user1", "user2", "user3" }, split.Train.Select(e => e.UserId).Distinct());
        foreach (var user in split.Train.GroupBy(e => e.UserId))
        {
            var conversations = user.Select(e => ConversationOf(e.Target)).Distinct().ToList();
            Assert.Equal(5, conversations.Count); // user2 has 7: one held out, five used, one left over
        }
    }

    [Fact]
    public async Task Profile_text_follows_appendix_E()
    {
        var split = await Build();
        const string Expected =
            "I've scored the following attributes based on how much I care about each attribute. A higher score indicates that this " +
            "attribute is more important to me: {'values': 84, 'creativity': 100, 'fluency': 100, 'factuality': 100, 'diversity': 71, " +
            "'safety': 94, 'personalisation': 100, 'helpfulness': 100}.";
        var user1 = split.Train.Concat(split.Test).Where(e => e.UserId == "user1").ToList();
        Assert.All(user1, e => Assert.Equal(Expected, e.Context.Profile));
        Assert.All(user1, e => Assert.Equal(Expected, e.OraclePreference));

        var noProfile = await Build(new PrismDatasetOptions { IncludeProfile = false });
        Assert.All(noProfile.Train, e => Assert.Null(e.Context.Profile));
        Assert.All(noProfile.Train, e => Assert.NotNull(e.OraclePreference));
    }

    [Fact]
    public async Task Pairs_are_chosen_versus_strictly_lower_scored_responses_with_the_conversation_so_far()
    {
        var options = new PrismDatasetOptions { MinConversationsPerUser = 2, MinPairsPerUser = 0, RequireStatedPreferences = false, MaxTrainConversations = 10 };
        var split = await Build(options);
        var all = split.Train.Concat(split.Test).Select(e => e.Target).ToList();

        Assert.All(all, p => Assert.True(Fixture.Score[p.Chosen] > Fixture.Score[p.Rejected]));
        var opening = all.Where(p => p.Prompt.Turns.Count == 1).ToList();
        var followUp = all.Where(p => p.Prompt.Turns.Count == 3).ToList();
        Assert.Equal(all.Count, opening.Count + followUp.Count);
        Assert.All(followUp, p =>
        {
            Assert.Equal(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.User }, p.Prompt.Turns.Select(t => t.Role));
            Assert.Contains("turn 0 response", p.Prompt.Turns[1].Content, StringComparison.Ordinal);
            Assert.Contains("turn 1 response", p.Chosen, StringComparison.Ordinal);
        });

        // The train set holds every pair of the non-held-out conversations; ties with the chosen score give no pair
        // (the fixture's second conversation of each user has such ties).
        var train = split.Train.Select(e => e.Target).ToList();
        foreach (var conversation in train.GroupBy(ConversationOf))
        {
            Assert.Equal(Fixture.ExpectedPairs[conversation.Key], conversation.Count());
            Assert.Equal(conversation.Count(), conversation.Distinct().Count());
        }

        Assert.Contains(Fixture.ExpectedPairs.Values, n => n < 4);

        Assert.Equal(Fixture.Owner.Count - 5, train.Select(ConversationOf).Distinct().Count()); // one held out per user
        Assert.Equal(new[] { "controversy guided", "unguided", "values guided" }, split.Train.Select(e => e.Group!).Distinct().Order());
    }

    [Property(MaxTest = 25)]
    public void Held_out_conversations_never_reach_training_and_contexts_stay_with_their_user(int seed)
    {
        var split = Build(new PrismDatasetOptions { Seed = seed }).Result;
        var heldOut = split.Test.Select(e => ConversationOf(e.Target)).ToHashSet();
        Assert.Equal(3, heldOut.Count);

        foreach (var example in split.Train)
        {
            Assert.DoesNotContain(ConversationOf(example.Target), heldOut);
            Assert.All(example.Context.Pairs, p => Assert.DoesNotContain(ConversationOf(p), heldOut));
        }

        foreach (var example in split.Train.Concat(split.Test))
        {
            Assert.Equal(3, example.Context.Pairs.Count);
            Assert.DoesNotContain(example.Target, example.Context.Pairs);
            Assert.All(example.Context.Pairs, p => Assert.Equal(example.UserId, Fixture.Owner[ConversationOf(p)]));
            Assert.Equal(example.UserId, Fixture.Owner[ConversationOf(example.Target)]);
        }

        var trainConversations = split.Train.GroupBy(e => e.UserId).ToDictionary(g => g.Key, g => g.Select(e => ConversationOf(e.Target)).ToHashSet());
        Assert.All(split.Test, e => Assert.All(e.Context.Pairs, p => Assert.Contains(ConversationOf(p), trainConversations[e.UserId])));
    }

    [Property(MaxTest = 15)]
    public void Same_seed_gives_identical_data_and_a_different_seed_different_data(int seed)
    {
        var first = Build(new PrismDatasetOptions { Seed = seed }).Result;
        Assert.Equal(first, Build(new PrismDatasetOptions { Seed = seed }).Result);
        Assert.NotEqual(first, Build(new PrismDatasetOptions { Seed = unchecked(seed + 1) }).Result);
    }

    [Theory]
    [InlineData("survey", "\"values\": 84", "\"values\": \"high\"", "field 'stated_prefs.values' must be an integer, found a string")]
    [InlineData("survey", "\"user_id\": \"user1\"", "\"uid\": \"user1\"", "field 'user_id' is missing")]
    [InlineData("conversations", "\"role\": \"model\"", "\"role\": \"bot\"", "field 'conversation_history[1].role' must be 'user' or 'model', found 'bot'")]
    [InlineData("conversations", "\"if_chosen\": false", "\"if_chosen\": \"no\"", "must be true or false, found a string")]
    [InlineData("conversations", "\"turn\": 0", "\"turn\": \"0\"", "field 'conversation_history[0].turn' must be an integer, found a string")]
    [InlineData("conversations", "\"conversation_history\"", "\"history\"", "field 'conversation_history' is missing")]
    public async Task A_malformed_row_names_the_file_line_and_field(string file, string find, string replace, string expected)
    {
        var folder = TestFiles.NewScratchFolder();
        var survey = Path.Combine(folder, "survey.jsonl");
        var conversations = Path.Combine(folder, "conversations.jsonl");
        File.Copy(SurveyPath, survey);
        File.Copy(ConversationsPath, conversations);
        var target = file == "survey" ? survey : conversations;
        var lines = (await File.ReadAllLinesAsync(target)).ToList();
        lines.Insert(1, ""); // a blank line 2 still counts
        var bad = lines[0].Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(lines[0], bad);
        lines.Insert(2, bad); // line 3
        await File.WriteAllLinesAsync(target, lines);

        var error = await Assert.ThrowsAsync<PreferenceDataException>(() => new PrismDatasetBuilder().BuildAsync(survey, conversations));
        Assert.Equal(3, error.LineNumber);
        Assert.StartsWith(target + " line 3: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Profile_rendering_requires_all_eight_attributes()
    {
        var ratings = PrismProfile.Attributes.ToDictionary(a => a, a => a.Length);
        Assert.Equal("{'values': 6, 'creativity': 10, 'fluency': 7, 'factuality': 10, 'diversity': 9, 'safety': 6, 'personalisation': 15, 'helpfulness': 11}", PrismProfile.RenderRatings(ratings));
        ratings.Remove("safety");
        var error = Assert.Throws<ArgumentException>(() => PrismProfile.Render(ratings));
        Assert.Contains("'safety'", error.Message, StringComparison.Ordinal);
    }

    private static string ConversationOf(PreferencePair pair)
    {
        var ids = new[] { pair.Prompt.Turns[0].Content, pair.Chosen, pair.Rejected }.Select(t => ConversationTag().Match(t).Groups[1].Value).Distinct().ToList();
        return Assert.Single(ids);
    }

    private static (Dictionary<string, string>, Dictionary<string, double>, Dictionary<string, int>) LoadFixture()
    {
        var owner = new Dictionary<string, string>();
        var score = new Dictionary<string, double>();
        var expected = new Dictionary<string, int>();
        foreach (var line in File.ReadAllLines(ConversationsPath))
        {
            using var row = JsonDocument.Parse(line);
            var id = row.RootElement.GetProperty("conversation_id").GetString()!;
            owner[id] = row.RootElement.GetProperty("user_id").GetString()!;
            var models = row.RootElement.GetProperty("conversation_history").EnumerateArray()
                .Where(e => e.GetProperty("role").GetString() == "model")
                .Select(e => (Turn: e.GetProperty("turn").GetInt32(), Text: e.GetProperty("content").GetString()!, Score: e.GetProperty("score").GetDouble(), Chosen: e.GetProperty("if_chosen").GetBoolean()))
                .ToList();
            foreach (var m in models) score[m.Text] = m.Score;
            expected[id] = models.GroupBy(m => m.Turn).Sum(t => t.Count(m => !m.Chosen && m.Score < t.Single(c => c.Chosen).Score));
        }

        return (owner, score, expected);
    }

    [GeneratedRegex(@"^\[(c\d+)\]")]
    private static partial Regex ConversationTag();
}
