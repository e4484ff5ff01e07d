using FsCheck.Xunit;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class PetsDatasetPropertyTests
{
    private static PetsDatasetBuilder Small(int seed, int contextPairs = 3) => new(new PetsDatasetOptions
    {
        TrainExamples = 120,
        TestExamples = 40,
        OodTestExamples = 40,
        ContextPairs = contextPairs,
        Seed = seed,
    });

    [Property(MaxTest = 30)]
    public void Context_pairs_follow_the_users_own_preference_and_never_equal_the_target(int seed, byte contextSize)
    {
        var contextPairs = contextSize % 6;
        var builder = Small(seed, contextPairs);
        var split = builder.Build();
        var sentences = PetsSentences.Default;
        foreach (var example in split.Train.Concat(split.Test).Concat(builder.BuildOod()))
        {
            var mine = Enum.Parse<PetAnimal>(example.UserType!, ignoreCase: true);
            Assert.Equal(contextPairs, example.Context.Pairs.Count);
            Assert.Equal(contextPairs, example.Context.Pairs.Distinct().Count());
            Assert.DoesNotContain(example.Target, example.Context.Pairs);
            Assert.All(example.Context.Pairs, p => Assert.Contains(p.Chosen, sentences[mine]));
            Assert.All(example.Context.Pairs, p => Assert.DoesNotContain(p.Rejected, sentences[mine]));
            if (example.Group == ExampleGroups.Controversial) Assert.Contains(example.Target.Chosen, sentences[mine]);
        }
    }

    [Property(MaxTest = 30)]
    public void No_test_sentence_appears_in_the_training_set(int seed)
    {
        var split = Small(seed).Build();
        var trainSentences = split.Train.SelectMany(Sentences).ToHashSet();
        Assert.All(split.Test.SelectMany(Sentences), s => Assert.DoesNotContain(s, trainSentences));
        Assert.Empty(split.Train.Select(e => e.UserId).Intersect(split.Test.Select(e => e.UserId)));
    }

    [Property(MaxTest = 30)]
    public void Same_seed_gives_identical_data_and_a_different_seed_different_data(int seed)
    {
        var first = Small(seed).Build();
        var again = Small(seed).Build();
        var other = Small(unchecked(seed + 1)).Build();
        Assert.Equal(first, again);
        Assert.Equal(Small(seed).BuildOod(), Small(seed).BuildOod());
        Assert.NotEqual(first, other);
        Assert.NotEqual(Small(seed).BuildOod(), Small(unchecked(seed + 1)).BuildOod());
    }

    private static IEnumerable<string> Sentences(PreferenceExample e) =>
        e.Context.Pairs.Append(e.Target).SelectMany(p => new[] { p.Chosen, p.Rejected });
}
