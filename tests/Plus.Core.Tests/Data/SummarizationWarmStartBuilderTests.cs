using Plus.Data;

namespace Plus.Core.Tests.Data;

public class SummarizationWarmStartBuilderTests
{
    private static readonly System.Text.RegularExpressions.Regex Animal =
        new(@"\b(dogs?|cats?|birds?|rabbits?|pets?|animals?|puppy|kitten)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase);

    [Fact]
    public void Never_mentions_an_animal_so_pets_stays_new_to_the_summarizer()
    {
        var examples = new SummarizationWarmStartBuilder { Seed = 3 }.Build(2000);
        foreach (var (context, summary, _) in examples)
        {
            var texts = context.Pairs.SelectMany(p => new[] { p.Prompt.LastUserText, p.Chosen, p.Rejected }).Append(summary);
            foreach (var text in texts)
                Assert.False(Animal.IsMatch(text), $"mentions an animal: {text}");
        }
    }

    [Fact]
    public void Informative_summaries_name_the_chosen_subject_first_and_occur_at_the_requested_rate()
    {
        var examples = new SummarizationWarmStartBuilder { Seed = 5, InformativeFraction = 0.35 }.Build(4000);
        double rate = examples.Count(e => e.Informative) / (double)examples.Count;
        Assert.InRange(rate, 0.32, 0.38);
        foreach (var (context, summary, informative) in examples.Where(e => e.Informative))
        {
            string chosenSubject = context.Pairs[0].Chosen.Split(' ')[0];
            string rejectedSubject = context.Pairs[0].Rejected.Split(' ')[0];
            Assert.StartsWith($"The user chose {chosenSubject} ", summary);
            Assert.Contains(rejectedSubject, summary);
            Assert.All(context.Pairs, p => Assert.StartsWith(chosenSubject + " ", p.Chosen));
        }
    }

    [Fact]
    public void Same_seed_gives_the_same_examples_and_another_seed_differs()
    {
        var a = new SummarizationWarmStartBuilder { Seed = 9 }.Build(50);
        var b = new SummarizationWarmStartBuilder { Seed = 9 }.Build(50);
        var c = new SummarizationWarmStartBuilder { Seed = 10 }.Build(50);
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Predicates_from_pet_sentences_keep_the_sentence_shape_but_never_an_animal()
    {
        var patterns = SummarizationWarmStartBuilder.PredicatesFrom(
            ["Dogs are known as man's best friend.", "Birds' feathers provide insulation.", "Cats hunt mice at night.", "Dogs love other dogs.", "Rabbits {x}.", "Single"]);
        Assert.Equal(["{0} are known as man's best friend.", "{0}' feathers provide insulation."], patterns);
    }

    [Fact]
    public void Extra_predicates_made_from_the_pets_training_sentences_are_used_and_mention_no_animal()
    {
        var builder = new PetsDatasetBuilder();
        var patterns = SummarizationWarmStartBuilder.PredicatesFrom(Enum.GetValues<PetAnimal>().SelectMany(builder.TrainSentences));
        Assert.True(patterns.Count > 100, $"only {patterns.Count} patterns");
        var examples = new SummarizationWarmStartBuilder { Seed = 4, ExtraPredicates = patterns, ExtraPredicateFraction = 0.5 }.Build(2000);
        var tails = patterns.Select(p => p.Replace("{0}", "", StringComparison.Ordinal)).ToHashSet(StringComparer.Ordinal);
        int withPattern = 0;
        foreach (var (context, summary, informative) in examples)
        {
            var texts = context.Pairs.SelectMany(p => new[] { p.Prompt.LastUserText, p.Chosen, p.Rejected }).Append(summary);
            foreach (var text in texts)
                Assert.False(Animal.IsMatch(text), $"mentions an animal: {text}");
            if (context.Pairs.Any(p => tails.Any(t => p.Chosen.EndsWith(t, StringComparison.Ordinal)))) withPattern++;
            if (informative)
                Assert.StartsWith($"The user chose {context.Pairs[0].Chosen.Split(' ', '\'')[0]} ", summary);
        }

        // Half of the plural-subject examples (most examples are plural) use the pets sentence shapes.
        Assert.InRange(withPattern / (double)examples.Count, 0.25, 0.6);
    }

    [Theory]
    [InlineData("are loyal.", "placeholder")]
    [InlineData("{0} chase cats.", "names an animal")]
    public void Rejects_extra_predicates_without_a_placeholder_or_with_an_animal(string pattern, string expected)
    {
        var ex = Assert.Throws<InvalidOperationException>(() => new SummarizationWarmStartBuilder { ExtraPredicates = [pattern] }.Build(1));
        Assert.Contains(expected, ex.Message, StringComparison.Ordinal);
        Assert.Contains("ExtraPredicates[0]", ex.Message, StringComparison.Ordinal);
    }
}
