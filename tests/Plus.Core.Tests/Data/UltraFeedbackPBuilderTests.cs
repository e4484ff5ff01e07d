using System.Text.Json;
using FsCheck.Xunit;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class UltraFeedbackPBuilderTests
{
    private static readonly string FixturePath = TestFiles.Fixture("ultrafeedback-mini.jsonl");

    /// <summary>Response text → attribute → rating (null for "N/A"), read independently of the builder.</summary>
    private static readonly Dictionary<string, Dictionary<string, double?>> Ratings = LoadRatings();

    private static UltraFeedbackPOptions Options(UltraFeedbackPVariant variant, int seed = 0, int maxContext = 4) => new()
    {
        Variant = variant,
        TrainExamples = 60,
        TestExamples = 20,
        TestPromptFraction = 0.25,
        MaxContextPairs = maxContext,
        Seed = seed,
    };

    [Theory]
    [InlineData(UltraFeedbackPVariant.P2, new[] { "helpfulness", "honesty" })]
    [InlineData(UltraFeedbackPVariant.P4, new[] { "helpfulness", "honesty", "instruction_following", "truthfulness" })]
    public async Task Pairs_are_controversial_oriented_by_the_users_attribute_and_contexts_identify_the_user(UltraFeedbackPVariant variant, string[] attributes)
    {
        var split = await new UltraFeedbackPBuilder(Options(variant)).BuildAsync(FixturePath);
        Assert.Equal(60, split.Train.Count);
        Assert.Equal(20, split.Test.Count);

        foreach (var example in split.Train.Concat(split.Test))
        {
            var mine = example.UserType!;
            Assert.Contains(mine, attributes);
            Assert.Equal(ExampleGroups.Controversial, example.Group);
            Assert.Equal($"I prioritize {mine.Replace('_', '-')} in AI assistant's responses.", example.OraclePreference);
            Assert.Equal(attributes.Select(a => a.Replace('_', '-')), example.Context.AttributeHints!);
            Assert.InRange(example.Context.Pairs.Count, 2, 4);
            Assert.DoesNotContain(example.Target, example.Context.Pairs);
            Assert.Equal(example.Context.Pairs.Count, example.Context.Pairs.Distinct().Count());

            foreach (var pair in example.Context.Pairs.Append(example.Target))
            {
                Assert.True(Order(pair, mine) > 0, "the user's attribute must rate the chosen response strictly higher");
                Assert.Contains(attributes, a => Order(pair, a) < 0);
            }

            foreach (var other in attributes.Where(a => a != mine))
            {
                Assert.Contains(example.Context.Pairs, p => Order(p, other) < 0);
            }
        }

        var types = split.Train.GroupBy(e => e.UserType).ToDictionary(g => g.Key!, g => g.Count());
        Assert.Equal(attributes.Length, types.Count);
        Assert.InRange(types.Values.Max() - types.Values.Min(), 0, 1);
    }

    [Fact]
    public async Task Test_prompts_never_appear_in_training_data()
    {
        var split = await new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P4)).BuildAsync(FixturePath);
        var trainPrompts = split.Train.SelectMany(e => e.Context.Pairs.Append(e.Target)).Select(p => p.Prompt).ToHashSet();
        var testPrompts = split.Test.SelectMany(e => e.Context.Pairs.Append(e.Target)).Select(p => p.Prompt).ToHashSet();
        Assert.Equal(3, testPrompts.Count);
        Assert.Equal(9, trainPrompts.Count);
        Assert.Empty(trainPrompts.Intersect(testPrompts));
    }

    [Fact]
    public async Task User_ids_and_options_are_honoured()
    {
        var options = Options(UltraFeedbackPVariant.P2);
        options.ExamplesPerUser = 3;
        options.MinContextPairs = 3;
        options.MaxContextPairs = 3;
        options.IncludeAttributeHints = false;
        var split = await new UltraFeedbackPBuilder(options).BuildAsync(FixturePath);

        Assert.Matches("^ufp2-train-(helpfulness|honesty)-\\d{5}$", split.Train[0].UserId);
        Assert.Matches("^ufp2-test-(helpfulness|honesty)-\\d{5}$", split.Test[0].UserId);
        Assert.All(split.Train, e => Assert.Equal(3, e.Context.Pairs.Count));
        Assert.All(split.Train, e => Assert.Null(e.Context.AttributeHints));
        foreach (var user in split.Train.GroupBy(e => e.UserId))
        {
            Assert.Equal(3, user.Count());
            Assert.Single(user.Select(e => e.Context).Distinct());
            Assert.Equal(3, user.Select(e => e.Target).Distinct().Count());
        }
    }

    [Property(MaxTest = 15)]
    public void Same_seed_gives_identical_data_and_a_different_seed_different_data(int seed)
    {
        var first = new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P2, seed)).BuildAsync(FixturePath).Result;
        var again = new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P2, seed)).BuildAsync(FixturePath).Result;
        var other = new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P2, unchecked(seed + 1))).BuildAsync(FixturePath).Result;
        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Theory]
    [InlineData("\"Rating\": \"4\"", "\"Rating\": \"great\"", "field 'completions[0].annotations.helpfulness.Rating' must be a number, a numeric string or \"N/A\", found \"great\"")]
    [InlineData("\"Rating\": \"4\"", "\"Rating\": [4]", "field 'completions[0].annotations.helpfulness.Rating' must be a number, a numeric string or \"N/A\", found an array")]
    [InlineData("\"response\": \"", "\"answer\": \"", "field 'completions[0].response' is missing")]
    [InlineData("\"instruction\": ", "\"question\": ", "field 'instruction' is missing")]
    [InlineData("{\"source\"", "{{\"source\"", "is not valid JSON")]
    public async Task A_malformed_row_names_the_file_line_and_field(string find, string replace, string expected)
    {
        var lines = await File.ReadAllLinesAsync(FixturePath);
        var row = """{"source": "x", "instruction": "q", "completions": [{"response": "r", "annotations": {"helpfulness": {"Rating": "4"}, "honesty": {"Rating": "2"}}}]}""";
        var bad = row.Replace(find, replace, StringComparison.Ordinal);
        Assert.NotEqual(row, bad);
        var path = Path.Combine(TestFiles.NewScratchFolder(), "uf.jsonl");
        await File.WriteAllLinesAsync(path, lines.Take(4).Append("").Append(bad).Concat(lines.Skip(4)));

        var error = await Assert.ThrowsAsync<PreferenceDataException>(() => new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P2)).BuildAsync(path));
        Assert.Equal(6, error.LineNumber);
        Assert.StartsWith(path + " line 6: ", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_attribute_is_an_error_only_when_the_variant_needs_it()
    {
        var row = """{"instruction": "q", "completions": [{"response": "r", "annotations": {"helpfulness": {"Rating": "4"}, "honesty": {"Rating": "N/A"}}}]}""";
        var path = Path.Combine(TestFiles.NewScratchFolder(), "uf.jsonl");
        await File.WriteAllLinesAsync(path, File.ReadAllLines(FixturePath).Prepend(row));

        await new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P2)).BuildAsync(path);
        var error = await Assert.ThrowsAsync<PreferenceDataException>(() => new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P4)).BuildAsync(path));
        Assert.Equal(1, error.LineNumber);
        Assert.Equal("completions[0].annotations.instruction_following", error.Field);
    }

    [Fact]
    public async Task Too_little_data_fails_with_advice()
    {
        var path = Path.Combine(TestFiles.NewScratchFolder(), "uf.jsonl");
        await File.WriteAllLinesAsync(path, File.ReadAllLines(FixturePath).Take(2));
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P4, maxContext: 8)).BuildAsync(path));
        Assert.Contains("provide more UltraFeedback rows", error.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new UltraFeedbackPBuilder(new UltraFeedbackPOptions { MaxContextPairs = 9 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => new UltraFeedbackPBuilder(new UltraFeedbackPOptions { MinContextPairs = 5, MaxContextPairs = 4 }));
    }

    [Fact]
    public async Task Reading_honours_cancellation()
    {
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => new UltraFeedbackPBuilder(Options(UltraFeedbackPVariant.P2)).BuildAsync(FixturePath, cts.Token));
    }

    /// <summary>+1 when <paramref name="attribute"/> rates chosen strictly higher, −1 strictly lower, 0 tie or unrated.</summary>
    private static int Order(PreferencePair pair, string attribute) =>
        Ratings[pair.Chosen][attribute] is { } c && Ratings[pair.Rejected][attribute] is { } r ? Math.Sign(c - r) : 0;

    private static Dictionary<string, Dictionary<string, double?>> LoadRatings()
    {
        var map = new Dictionary<string, Dictionary<string, double?>>();
        foreach (var line in File.ReadAllLines(FixturePath))
        {
            using var row = JsonDocument.Parse(line);
            foreach (var completion in row.RootElement.GetProperty("completions").EnumerateArray())
            {
                var ratings = new Dictionary<string, double?>();
                foreach (var annotation in completion.GetProperty("annotations").EnumerateObject())
                {
                    var text = annotation.Value.GetProperty("Rating").GetString()!;
                    ratings[annotation.Name] = text == "N/A" ? null : double.Parse(text, System.Globalization.CultureInfo.InvariantCulture);
                }

                map[completion.GetProperty("response").GetString()!] = ratings;
            }
        }

        return map;
    }
}
