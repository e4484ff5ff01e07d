using Microsoft.Extensions.AI;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class PetsDatasetBuilderTests
{
    private static readonly DatasetSplit Default = new PetsDatasetBuilder().Build();
    private static readonly ValueList<PreferenceExample> Ood = new PetsDatasetBuilder().BuildOod();

    [Fact]
    public void Default_sizes_match_the_paper()
    {
        Assert.Equal(1970, Default.Train.Count);
        Assert.Equal(194, Default.Test.Count);
        Assert.Equal(200, Ood.Count);
    }

    [Fact]
    public void Half_the_examples_are_controversial_and_user_types_are_balanced()
    {
        foreach (var set in new[] { Default.Train, Default.Test })
        {
            var controversial = set.Count(e => e.Group == ExampleGroups.Controversial);
            var agreed = set.Count(e => e.Group == ExampleGroups.Agreed);
            Assert.Equal(set.Count, controversial + agreed);
            Assert.InRange(controversial / (double)set.Count, 0.45, 0.55);

            var users = set.GroupBy(e => e.UserId).Select(g => g.First().UserType).ToList();
            var dogs = users.Count(t => t == "dog");
            var cats = users.Count(t => t == "cat");
            Assert.Equal(users.Count, dogs + cats);
            Assert.InRange(Math.Abs(dogs - cats), 0, 1);
            Assert.InRange(Math.Abs(set.Count(e => e.UserType == "dog") - set.Count(e => e.UserType == "cat")), 0, 2);
        }

        Assert.All(Ood, e => Assert.Equal(ExampleGroups.Controversial, e.Group));
        Assert.Equal(100, Ood.Count(e => e.UserType == "rabbit"));
        Assert.Equal(100, Ood.Count(e => e.UserType == "bird"));
    }

    [Fact]
    public void Sentence_pools_split_80_and_the_rest_without_shared_sentences()
    {
        var builder = new PetsDatasetBuilder();
        var raw = PetsSentences.Default;
        Assert.Equal(83, raw[PetAnimal.Bird].Count);
        Assert.Equal(95, raw[PetAnimal.Cat].Count);
        Assert.Equal(93, raw[PetAnimal.Dog].Count);
        Assert.Equal(90, raw[PetAnimal.Rabbit].Count);

        // VPL's lists repeat one bird sentence across the 80 boundary and one rabbit sentence inside the first 80.
        Assert.Equal(80, builder.TrainSentences(PetAnimal.Cat).Count);
        Assert.Equal(80, builder.TrainSentences(PetAnimal.Dog).Count);
        Assert.Equal(80, builder.TrainSentences(PetAnimal.Bird).Count);
        Assert.Equal(79, builder.TrainSentences(PetAnimal.Rabbit).Count);
        Assert.Equal(15, builder.TestSentences(PetAnimal.Cat).Count);
        Assert.Equal(13, builder.TestSentences(PetAnimal.Dog).Count);
        Assert.Equal(2, builder.TestSentences(PetAnimal.Bird).Count);
        Assert.Equal(10, builder.TestSentences(PetAnimal.Rabbit).Count);
        Assert.Equal(raw[PetAnimal.Cat].Take(80), builder.TrainSentences(PetAnimal.Cat));
        Assert.Equal(raw[PetAnimal.Cat].Skip(80), builder.TestSentences(PetAnimal.Cat));

        foreach (var animal in Enum.GetValues<PetAnimal>())
        {
            Assert.Empty(builder.TrainSentences(animal).Intersect(builder.TestSentences(animal)));
        }
    }

    [Fact]
    public void Examples_use_their_split_pool_only()
    {
        var builder = new PetsDatasetBuilder();
        var train = Enum.GetValues<PetAnimal>().SelectMany(builder.TrainSentences).ToHashSet();
        var test = Enum.GetValues<PetAnimal>().SelectMany(builder.TestSentences).ToHashSet();
        Assert.All(Default.Train.SelectMany(Sentences), s => Assert.Contains(s, train));
        Assert.All(Default.Test.SelectMany(Sentences), s => Assert.Contains(s, test));
        Assert.All(Ood.SelectMany(Sentences), s => Assert.Contains(s, test));
    }

    [Fact]
    public void Prompt_oracle_text_and_orientation_follow_the_paper()
    {
        var sentences = PetsSentences.Default;
        bool IsAbout(string sentence, PetAnimal animal) => sentences[animal].Contains(sentence);

        foreach (var example in Default.Train.Concat(Default.Test))
        {
            Assert.Equal(new Conversation(new[] { new ChatTurn(ChatRole.User, "Please talk about one kind of pets.") }), example.Target.Prompt);
            var (mine, other) = example.UserType == "dog" ? (PetAnimal.Dog, PetAnimal.Cat) : (PetAnimal.Cat, PetAnimal.Dog);
            Assert.Equal(
                example.UserType == "dog" ? "This user prefers dogs over cats." : "This user prefers cats over dogs.",
                example.OraclePreference);
            Assert.Equal(3, example.Context.Pairs.Count);
            Assert.All(example.Context.Pairs, p =>
            {
                Assert.True(IsAbout(p.Chosen, mine));
                Assert.True(IsAbout(p.Rejected, other));
            });
            if (example.Group == ExampleGroups.Controversial)
            {
                Assert.True(IsAbout(example.Target.Chosen, mine));
                Assert.True(IsAbout(example.Target.Rejected, other));
            }
            else
            {
                // Agreed pairs: bird ≻ dog, cat ≻ rabbit, bird ≻ cat, dog ≻ rabbit, bird ≻ rabbit.
                var agreed = new[] { (PetAnimal.Bird, PetAnimal.Dog), (PetAnimal.Cat, PetAnimal.Rabbit), (PetAnimal.Bird, PetAnimal.Cat), (PetAnimal.Dog, PetAnimal.Rabbit), (PetAnimal.Bird, PetAnimal.Rabbit) };
                Assert.Contains(agreed, a => IsAbout(example.Target.Chosen, a.Item1) && IsAbout(example.Target.Rejected, a.Item2));
            }
        }

        Assert.All(Ood, e => Assert.Equal(
            e.UserType == "rabbit" ? "This user prefers rabbits over birds." : "This user prefers birds over rabbits.", e.OraclePreference));
    }

    [Fact]
    public void User_ids_are_stable_and_each_user_has_one_context_and_type()
    {
        Assert.Matches("^pets-train-(dog|cat)-\\d{4}$", Default.Train[0].UserId);
        Assert.Matches("^pets-test-(dog|cat)-\\d{4}$", Default.Test[0].UserId);
        Assert.Matches("^pets-ood-(rabbit|bird)-\\d{4}$", Ood[0].UserId);
        foreach (var user in Default.Train.Concat(Default.Test).Concat(Ood).GroupBy(e => e.UserId))
        {
            Assert.Single(user.Select(e => e.UserType).Distinct());
            Assert.Single(user.Select(e => e.Context).Distinct());
            Assert.Equal(user.Count(), user.Select(e => e.Target).Distinct().Count());
        }

        Assert.Equal(985, Default.Train.Select(e => e.UserId).Distinct().Count());
    }

    [Fact]
    public void Options_resize_the_data_and_are_validated()
    {
        var split = new PetsDatasetBuilder(new PetsDatasetOptions { TrainExamples = 11, TestExamples = 5, ExamplesPerUser = 4, ContextPairs = 5, Seed = 3 }).Build();
        Assert.Equal(11, split.Train.Count);
        Assert.Equal(5, split.Test.Count);
        Assert.Equal(3, split.Train.Select(e => e.UserId).Distinct().Count());
        Assert.All(split.Train, e => Assert.Equal(5, e.Context.Pairs.Count));

        var negative = Assert.Throws<ArgumentOutOfRangeException>(() => new PetsDatasetBuilder(new PetsDatasetOptions { ContextPairs = -1 }));
        Assert.Equal("ContextPairs", negative.ParamName);
        var tooMany = Assert.Throws<ArgumentOutOfRangeException>(() => new PetsDatasetBuilder(new PetsDatasetOptions { ContextPairs = 30 }));
        Assert.Contains("test (OOD) pool has only 20 distinct Rabbit vs Bird pairs", tooMany.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => new PetsDatasetBuilder(new PetsDatasetOptions { TrainSentencesPerAnimal = 83 }));

        // Few birds and rabbits, many dogs and cats: the agreed pairs run out before the controversial ones.
        var pools = new PetsSentences(new Dictionary<PetAnimal, IReadOnlyList<string>>
        {
            [PetAnimal.Bird] = new[] { "b0", "b1" },
            [PetAnimal.Rabbit] = new[] { "r0", "r1" },
            [PetAnimal.Dog] = Enumerable.Range(0, 100).Select(i => $"d{i}").ToArray(),
            [PetAnimal.Cat] = Enumerable.Range(0, 100).Select(i => $"c{i}").ToArray(),
        });
        var agreed = Assert.Throws<ArgumentOutOfRangeException>(() => new PetsDatasetBuilder(
            new PetsDatasetOptions { TrainSentencesPerAnimal = 1, TrainExamples = 0, OodTestExamples = 0, ExamplesPerUser = 1000 }, pools));
        Assert.Contains("test pool has only 397 distinct agreed pairs", agreed.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Written_pets_data_reads_back_identically()
    {
        var path = Path.Combine(TestFiles.NewScratchFolder(), "pets-test.jsonl");
        await PreferenceJsonl.WriteAsync(path, Default.Test);
        Assert.Equal(Default.Test, await PreferenceJsonl.ReadAllAsync(path));
    }

    private static IEnumerable<string> Sentences(PreferenceExample e) =>
        e.Context.Pairs.Append(e.Target).SelectMany(p => new[] { p.Chosen, p.Rejected });
}
