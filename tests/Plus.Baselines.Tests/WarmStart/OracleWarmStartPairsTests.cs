using System.Text.RegularExpressions;
using Plus.Data;
using Plus.RewardWarmStartProbe;
using Plus.Torch;
using Plus.Torch.Tokenization;

namespace Plus.Baselines.Tests.WarmStart;

/// <summary>The issue-15 probe's warm-start pairs: no animal anywhere, the chosen response is about the preferred subject.</summary>
public class OracleWarmStartPairsTests
{
    private static readonly IReadOnlyList<string> Patterns = SummarizationWarmStartBuilder.PredicatesFrom(
        Enum.GetValues<PetAnimal>().SelectMany(new PetsDatasetBuilder().TrainSentences));

    private static IEnumerable<string> Texts(PreferenceExample e) =>
        [e.OraclePreference!, e.Target.Chosen, e.Target.Rejected, .. e.Target.Prompt.Turns.Select(t => t.Content), .. e.Context.Pairs.SelectMany(p => new[] { p.Chosen, p.Rejected })];

    [Fact]
    public void No_text_of_any_pair_names_an_animal()
    {
        var pairs = new OracleWarmStartPairs(Patterns) { AgreedFraction = 0.3 }.Build(2000);

        Assert.Equal(2000, pairs.Count);
        Assert.NotEmpty(Patterns);
        foreach (var text in pairs.SelectMany(Texts))
            Assert.False(OracleWarmStartPairs.NamesAnimal(text), $"'{text}' names an animal");
        // Independent of the word splitter: none of the Pets animals as a substring either.
        var pets = new Regex(@"\b(dog|cat|rabbit|bird|bunny|puppy|kitten)s?\b", RegexOptions.IgnoreCase);
        Assert.DoesNotContain(pairs.SelectMany(Texts), t => pets.IsMatch(t));
    }

    [Fact]
    public void Controversial_pairs_choose_the_subject_the_oracle_text_prefers()
    {
        var pairs = new OracleWarmStartPairs(Patterns).Build(500);

        Assert.All(pairs, e =>
        {
            Assert.Equal(ExampleGroups.Controversial, e.Group);
            var m = Regex.Match(e.OraclePreference!, @"^This user prefers (\w+) over (\w+)\.$");
            Assert.True(m.Success, e.OraclePreference);
            string preferred = m.Groups[1].Value, other = m.Groups[2].Value;
            Assert.NotEqual(preferred, other);
            Assert.StartsWith(preferred, e.Target.Chosen, StringComparison.OrdinalIgnoreCase);
            Assert.StartsWith(other, e.Target.Rejected, StringComparison.OrdinalIgnoreCase);
            Assert.Equal(preferred, e.UserType, ignoreCase: true);
        });
        // Both subjects of a pair vary: many distinct preferred subjects, each seen on either side.
        var preferredSubjects = pairs.Select(e => e.UserType!).ToHashSet();
        Assert.True(preferredSubjects.Count >= 50, $"only {preferredSubjects.Count} distinct preferred subjects");
    }

    [Fact]
    public void Agreed_pairs_share_one_subject_and_the_same_seed_gives_the_same_pairs()
    {
        var builder = new OracleWarmStartPairs(Patterns) { AgreedFraction = 0.5, Seed = 3 };
        var pairs = builder.Build(400);

        Assert.Equal(pairs, builder.Build(400));
        Assert.NotEqual(pairs, new OracleWarmStartPairs(Patterns) { AgreedFraction = 0.5, Seed = 4 }.Build(400));
        var agreed = pairs.Where(e => e.Group == ExampleGroups.Agreed).ToList();
        Assert.InRange(agreed.Count, 120, 280);
        Assert.All(agreed, e => Assert.Equal(e.Target.Chosen.Split(' ')[0].TrimEnd('\'', 's'), e.Target.Rejected.Split(' ')[0].TrimEnd('\'', 's')));
    }

    [Fact]
    public void A_pattern_that_names_an_animal_or_has_no_placeholder_is_refused()
    {
        var animal = Assert.Throws<ArgumentException>(() => new OracleWarmStartPairs(["{0} chase cats."]));
        Assert.Contains("patterns[0]", animal.Message, StringComparison.Ordinal);
        var placeholder = Assert.Throws<ArgumentException>(() => new OracleWarmStartPairs(["{0} are nice.", "Nice things."]));
        Assert.Contains("patterns[1]", placeholder.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => new OracleWarmStartPairs([]));
        Assert.Throws<InvalidOperationException>(() => new OracleWarmStartPairs(["{0} are nice."]) { AgreedFraction = 1.5 }.Build(1));
    }

    [Fact]
    public void The_line_start_form_writes_each_subject_in_the_tokens_a_response_about_it_starts_with()
    {
        Assert.Equal("This user prefers\nRabbits\nover\nBirds", OracleWarmStartPairs.LineStartForm("This user prefers rabbits over birds."));
        var bad = Assert.Throws<ArgumentException>(() => OracleWarmStartPairs.LineStartForm("I like dogs."));
        Assert.Contains("'I like dogs.'", bad.Message, StringComparison.Ordinal);

        // The embedded default model's tokenizer: after a newline the subject has the tokens a response about it
        // starts with (the reward encoder writes the response after "assistant\n"); after a space it shares none.
        var tokenizer = HfTokenizer.Load(DefaultModels.ExtractTinyQwen2());
        var ood = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 0 }).BuildOod();
        int compared = 0;
        foreach (var e in ood.Where(e => e.Group == ExampleGroups.Controversial).Take(40))
        {
            string form = OracleWarmStartPairs.LineStartForm(e.OraclePreference!);
            string subject = form.Split('\n')[1];
            var conditioning = tokenizer.EncodeToTokenStrings(form);
            var line = tokenizer.EncodeToTokenStrings("\n" + subject);
            Assert.True(Contains(conditioning, line), $"'{form}': {string.Join("|", conditioning)} lacks {string.Join("|", line)}");
            if (e.Target.Chosen.StartsWith(subject + " ", StringComparison.Ordinal))
            {
                Assert.Equal(line, tokenizer.EncodeToTokenStrings("\n" + e.Target.Chosen).Take(line.Count));
                compared++;
            }

            var spaced = tokenizer.EncodeToTokenStrings(" " + subject.ToLowerInvariant());
            Assert.Empty(spaced.Intersect(line.Skip(1)));
        }

        Assert.True(compared >= 10, $"only {compared} chosen responses start with their subject");
    }

    private static bool Contains(IReadOnlyList<string> haystack, IReadOnlyList<string> needle) =>
        Enumerable.Range(0, haystack.Count - needle.Count + 1).Any(i => needle.Select((t, j) => haystack[i + j] == t).All(x => x));
}
