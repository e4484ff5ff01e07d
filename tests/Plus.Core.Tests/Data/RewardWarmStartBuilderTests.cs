using Plus.Data;

namespace Plus.Core.Tests.Data;

public class RewardWarmStartBuilderTests
{
    private static readonly System.Text.RegularExpressions.Regex Animal =
        new(@"\b(dogs?|cats?|birds?|rabbits?|pets?|animals?|puppy|puppies|kittens?|bunny|bunnies)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    private static readonly IReadOnlyList<string> Patterns = SummarizationWarmStartBuilder.PredicatesFrom(
        Enum.GetValues<PetAnimal>().SelectMany(new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 0 }).TrainSentences));

    private static readonly string[] Subjects = ["Apples", "Pears", "Guitars", "Lemons", "Trains", "Kites", "Maps"];

    [Fact]
    public void Never_mentions_an_animal_so_pets_and_pets_ood_stay_new_to_the_reward_model()
    {
        // Animal subjects offered are dropped, the patterns come from the Pets sentences with the animal cut out.
        var builder = new RewardWarmStartBuilder(Patterns, Subjects.Concat(["Dogs", "Cats", "Rabbits", "Birds", "Puppies"])) { Seed = 3 };
        var examples = builder.Build(3000);
        foreach (var e in examples)
        {
            foreach (var text in new[] { e.OraclePreference!, e.Target.Chosen, e.Target.Rejected, e.Target.Prompt.LastUserText })
                Assert.False(Animal.IsMatch(text), $"mentions an animal: {text}");
        }

        // The default vocabulary subjects of the embedded tokenizer hold no animal either.
        var vocabulary = RewardWarmStartBuilder.SubjectsFromVocabulary(["\u0120Dogs", "\u0120rabbits", "\u0120Apples", "\u0120ordinary", "\u0120Ab", "apples", "\u0120Cat"]);
        Assert.Equal(["Apples", "Ordinary"], vocabulary);
    }

    [Fact]
    public void The_chosen_response_is_about_the_preferred_subject_and_the_summary_names_it()
    {
        var examples = new RewardWarmStartBuilder(Patterns, Subjects) { Seed = 5 }.Build(2000);
        foreach (var e in examples)
        {
            string x = e.UserType!;
            string y = e.Target.Rejected.Split(' ', '\'')[0];
            Assert.StartsWith(x, e.Target.Chosen);
            Assert.NotEqual(x, y);
            Assert.Equal(ExampleGroups.Controversial, e.Group);
            // Every summary names the preferred subject, unless it only states the rejection.
            string summary = e.OraclePreference!;
            Assert.True(summary.Contains(x, StringComparison.Ordinal) || summary.StartsWith("The user rejected " + y, StringComparison.Ordinal), summary);
            // Only the subject tells the responses apart: both come from the same patterns.
            Assert.Contains(e.Target.Chosen.Replace(x, "{0}", StringComparison.Ordinal), Patterns);
            Assert.Contains(e.Target.Rejected.Replace(y, "{0}", StringComparison.Ordinal), Patterns);
        }

        // Each default form occurs.
        foreach (var (form, _) in RewardWarmStartBuilder.DefaultForms)
        {
            string start = form[..form.IndexOf('{', StringComparison.Ordinal)];
            if (start.Length > 0) Assert.Contains(examples, e => e.OraclePreference!.StartsWith(start, StringComparison.Ordinal));
        }
    }

    [Fact]
    public void A_copied_sentence_never_repeats_the_chosen_response_and_sometimes_has_the_rejected_ones_shape()
    {
        var builder = new RewardWarmStartBuilder(Patterns, Subjects) { Seed = 11, Forms = [("The user chose {sx}", 1.0)], DistractorFraction = 0.5 };
        var examples = builder.Build(1000);
        int distractors = 0;
        foreach (var e in examples)
        {
            string copied = e.OraclePreference!["The user chose ".Length..];
            Assert.NotEqual(e.Target.Chosen, copied);
            string y = e.Target.Rejected.Split(' ', '\'')[0];
            if (copied.Replace(e.UserType!, "{0}", StringComparison.Ordinal) == e.Target.Rejected.Replace(y, "{0}", StringComparison.Ordinal)) distractors++;
        }

        Assert.InRange(distractors, 420, 580);
    }

    [Fact]
    public void Agreed_pairs_follow_one_ranking_for_every_seed_and_overriding_users_win_against_it()
    {
        string[] subjects = Enumerable.Range(0, 30).Select(i => "Item" + (char)('a' + (i % 26)) + (char)('a' + (i / 26))).ToArray();
        IReadOnlyList<PreferenceExample> Build(int seed) =>
            new RewardWarmStartBuilder(Patterns, subjects) { Seed = seed, AgreedFraction = 0.4, OverrideFraction = 0.3, RankedSubjects = 10 }.Build(2000);
        static string Subject(string sentence) => sentence.Split(' ', '\'')[0];
        var examples = Build(1).Concat(Build(2)).ToList();
        var agreed = examples.Where(e => e.Group == ExampleGroups.Agreed).ToList();
        Assert.InRange(agreed.Count, 0.35 * 4000, 0.45 * 4000);
        var wins = agreed.Select(e => (Subject(e.Target.Chosen), Subject(e.Target.Rejected))).ToHashSet();
        Assert.DoesNotContain(wins, w => wins.Contains((w.Item2, w.Item1))); // one ranking, across seeds
        Assert.True(wins.SelectMany(w => new[] { w.Item1, w.Item2 }).Distinct().Count() <= 10);
        // Some agreed pairs go against the user's own preferred subject (as Pets' birds beat a dog person's dogs).
        Assert.Contains(agreed, e => Subject(e.Target.Rejected) == e.UserType);
        // Overriding users: the ranking puts their subject lower, the summary names both, and their subject wins.
        var overriding = examples.Where(e => e.Group == ExampleGroups.Controversial && wins.Contains((Subject(e.Target.Rejected), Subject(e.Target.Chosen)))).ToList();
        Assert.True(overriding.Count >= 0.25 * 4000, $"{overriding.Count} overriding pairs");
        Assert.All(overriding, e => Assert.Equal(e.UserType, Subject(e.Target.Chosen)));
        Assert.True(overriding.Count(e => e.OraclePreference!.Contains(Subject(e.Target.Rejected), StringComparison.Ordinal)) >= 0.9 * overriding.Count);
    }

    [Fact]
    public void Same_seed_gives_the_same_pairs_and_another_seed_differs()
    {
        var a = new RewardWarmStartBuilder(Patterns, Subjects) { Seed = 1 }.Build(50);
        var b = new RewardWarmStartBuilder(Patterns, Subjects) { Seed = 1 }.Build(50);
        var c = new RewardWarmStartBuilder(Patterns, Subjects) { Seed = 2 }.Build(50);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(e => e.OraclePreference), c.Select(e => e.OraclePreference));
    }

    [Fact]
    public void Bad_patterns_and_subjects_are_refused_with_what_is_wrong()
    {
        var noPlaceholder = Assert.Throws<ArgumentException>(() => new RewardWarmStartBuilder(["{0} are fine.", "No subject here."], Subjects));
        Assert.Contains("patterns[1]", noPlaceholder.Message);
        var animal = Assert.Throws<ArgumentException>(() => new RewardWarmStartBuilder(["{0} are fine.", "{0} chase cats."], Subjects));
        Assert.Contains("names an animal", animal.Message);
        var few = Assert.Throws<ArgumentException>(() => new RewardWarmStartBuilder(Patterns, ["Apples", "Dogs", " "]));
        Assert.Contains("1 usable", few.Message);
        Assert.Throws<InvalidOperationException>(() => new RewardWarmStartBuilder(Patterns, Subjects) { DistractorFraction = 2 }.Build(1));
        var fractions = Assert.Throws<InvalidOperationException>(() => new RewardWarmStartBuilder(Patterns, Subjects) { AgreedFraction = 0.7, OverrideFraction = 0.5 }.Build(1));
        Assert.Contains("sum to at most 1", fractions.Message);
        var ranked = Assert.Throws<InvalidOperationException>(() => new RewardWarmStartBuilder(Patterns, Subjects) { AgreedFraction = 0.2 }.Build(1));
        Assert.Contains("RankedSubjects (48)", ranked.Message);
        var forms = Assert.Throws<InvalidOperationException>(() => new RewardWarmStartBuilder(Patterns, Subjects) { OverrideFraction = 0.2, RankedSubjects = 5, Forms = [("The user chose {sx}", 1)] }.Build(1));
        Assert.Contains("no form names both", forms.Message);
    }
}
