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
}
