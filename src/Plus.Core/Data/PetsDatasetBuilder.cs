using System.Globalization;

namespace Plus.Data;

/// <summary>
/// Builds the synthetic Pets and Pets (OOD) data sets of VPL and the PLUS paper from the embedded sentence pools.
/// </summary>
/// <remarks>
/// <para>Every example's prompt is one user turn, <see cref="PromptText"/> (VPL writes it as
/// <c>Human: Please talk about one kind of pets.</c>; <c>Human:</c> is only VPL's role marker). A response is one
/// sentence about an animal.</para>
/// <para><b>Pets.</b> Users are of type <c>dog</c> or <c>cat</c>, balanced (alternating, then shuffled). Each user
/// has <see cref="PetsDatasetOptions.ExamplesPerUser"/> targets, alternating between a controversial pair (a dog
/// sentence vs a cat sentence, chosen = the user's animal, group <c>controversial</c>) and an agreed pair (one of
/// bird ≻ dog, cat ≻ rabbit, bird ≻ cat, dog ≻ rabbit, bird ≻ rabbit, group <c>agreed</c>), so about half the
/// examples are controversial. A user's context is <see cref="PetsDatasetOptions.ContextPairs"/> distinct
/// controversial pairs oriented by the user's type, shared by all of the user's examples; no target equals a
/// context pair and a user's targets are distinct.</para>
/// <para><b>Splits.</b> The first <see cref="PetsDatasetOptions.TrainSentencesPerAnimal"/> sentences of each
/// animal form the training pool, the rest the test pool; a test-pool sentence that also occurs verbatim in the
/// training pool (VPL's bird list repeats one) is dropped, and repeats within a pool are kept once, so no test
/// sentence ever appears in the training set. Contexts and targets of a split use only that split's pool.</para>
/// <para><b>Pets (OOD).</b> Users of type <c>rabbit</c> or <c>bird</c>; every target is a controversial rabbit vs
/// bird pair chosen by the user's animal, and contexts are the user's own rabbit vs bird pairs. Built from the test
/// pool only, so a model trained on the Pets training set has never seen these sentences nor these preferences.</para>
/// <para>Deterministic: one <see cref="Random"/> seeded with <see cref="PetsDatasetOptions.Seed"/> drives every choice.
/// Instances are immutable and thread-safe; each call builds afresh.</para>
/// </remarks>
public sealed class PetsDatasetBuilder
{
    /// <summary>The user turn of every Pets prompt (paper appendix D).</summary>
    public const string PromptText = "Please talk about one kind of pets.";

    private static readonly (PetAnimal Winner, PetAnimal Loser)[] AgreedPairs =
    {
        (PetAnimal.Bird, PetAnimal.Dog),
        (PetAnimal.Cat, PetAnimal.Rabbit),
        (PetAnimal.Bird, PetAnimal.Cat),
        (PetAnimal.Dog, PetAnimal.Rabbit),
        (PetAnimal.Bird, PetAnimal.Rabbit),
    };

    private static readonly Conversation Prompt = Conversation.FromUser(PromptText);
    private readonly PetsDatasetOptions _options;
    private readonly PetsSentences _sentences;

    /// <summary>Creates a builder.</summary>
    /// <param name="options">The options (validated here); null for the defaults.</param>
    /// <param name="sentences">The sentence pools; null for the embedded VPL sentences.</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range, or a pool has too few distinct
    /// controversial pairs for <see cref="PetsDatasetOptions.ContextPairs"/> plus a user's controversial targets.</exception>
    public PetsDatasetBuilder(PetsDatasetOptions? options = null, PetsSentences? sentences = null)
    {
        _options = options ?? new PetsDatasetOptions();
        _options.Validate();
        _sentences = sentences ?? PetsSentences.Default;
        foreach (var animal in Enum.GetValues<PetAnimal>())
        {
            if (_sentences[animal].Count <= _options.TrainSentencesPerAnimal)
            {
                throw new ArgumentOutOfRangeException(
                    nameof(options), _options.TrainSentencesPerAnimal,
                    $"TrainSentencesPerAnimal must leave test sentences: the '{animal}' pool has only {_sentences[animal].Count}.");
            }
        }

        var mixedTargets = (_options.ExamplesPerUser + 1) / 2;
        CheckPool(options, "training", TrainSentences, PetAnimal.Dog, PetAnimal.Cat, mixedTargets, _options.TrainExamples);
        CheckPool(options, "test", TestSentences, PetAnimal.Dog, PetAnimal.Cat, mixedTargets, _options.TestExamples);
        CheckAgreed(options, "training", TrainSentences, _options.ExamplesPerUser / 2, _options.TrainExamples);
        CheckAgreed(options, "test", TestSentences, _options.ExamplesPerUser / 2, _options.TestExamples);
        CheckPool(options, "test (OOD)", TestSentences, PetAnimal.Rabbit, PetAnimal.Bird, _options.ExamplesPerUser, _options.OodTestExamples);
    }

    /// <summary>The ground-truth preference text of a user (paper appendix E), e.g. "This user prefers cats over dogs.".</summary>
    /// <param name="preferred">The user's animal.</param>
    /// <param name="other">The animal the user ranks below it.</param>
    public static string OraclePreference(PetAnimal preferred, PetAnimal other) =>
        $"This user prefers {Plural(preferred)} over {Plural(other)}.";

    /// <summary>The training pool (first <see cref="PetsDatasetOptions.TrainSentencesPerAnimal"/> sentences, repeats removed).</summary>
    /// <param name="animal">The animal.</param>
    public IReadOnlyList<string> TrainSentences(PetAnimal animal) =>
        _sentences[animal].Take(_options.TrainSentencesPerAnimal).Distinct(StringComparer.Ordinal).ToArray();

    /// <summary>The test pool (the remaining sentences, minus repeats and minus any sentence in the training pool).</summary>
    /// <param name="animal">The animal.</param>
    public IReadOnlyList<string> TestSentences(PetAnimal animal)
    {
        var train = new HashSet<string>(_sentences[animal].Take(_options.TrainSentencesPerAnimal), StringComparer.Ordinal);
        return _sentences[animal].Skip(_options.TrainSentencesPerAnimal).Distinct(StringComparer.Ordinal).Where(s => !train.Contains(s)).ToArray();
    }

    /// <summary>Builds Pets: dog and cat users, training and test sets from disjoint sentence pools.</summary>
    public DatasetSplit Build()
    {
        var random = new Random(_options.Seed);
        var train = BuildSplit("train", _options.TrainExamples, Pool(TrainSentences), PetAnimal.Dog, PetAnimal.Cat, includeAgreed: true, random);
        var test = BuildSplit("test", _options.TestExamples, Pool(TestSentences), PetAnimal.Dog, PetAnimal.Cat, includeAgreed: true, random);
        return new DatasetSplit(train, test);
    }

    /// <summary>
    /// Builds the Pets (OOD) test set: rabbit and bird users, every target a controversial rabbit vs bird pair, from
    /// the test pool. Evaluate models trained on <see cref="Build"/>'s training set on it.
    /// </summary>
    public ValueList<PreferenceExample> BuildOod()
    {
        // A separate stream (seed offset) so that OOD data does not depend on the Pets sizes.
        var random = new Random(unchecked(_options.Seed * 31 + 7));
        return BuildSplit("ood", _options.OodTestExamples, Pool(TestSentences), PetAnimal.Rabbit, PetAnimal.Bird, includeAgreed: false, random);
    }

    private void CheckPool(
        PetsDatasetOptions? options, string split, Func<PetAnimal, IReadOnlyList<string>> pool,
        PetAnimal first, PetAnimal second, int controversialTargetsPerUser, int total)
    {
        var available = (long)pool(first).Count * pool(second).Count;
        if (total > 0 && _options.ContextPairs + controversialTargetsPerUser > available)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), _options.ContextPairs,
                $"The {split} pool has only {available} distinct {first} vs {second} pairs, fewer than ContextPairs ({_options.ContextPairs}) " +
                $"plus the controversial targets per user ({controversialTargetsPerUser}); lower ContextPairs or ExamplesPerUser.");
        }
    }

    private static void CheckAgreed(
        PetsDatasetOptions? options, string split, Func<PetAnimal, IReadOnlyList<string>> pool, int agreedTargetsPerUser, int total)
    {
        var available = AgreedPairs.Sum(a => (long)pool(a.Winner).Count * pool(a.Loser).Count);
        if (total > 0 && agreedTargetsPerUser > available)
        {
            throw new ArgumentOutOfRangeException(
                nameof(options), agreedTargetsPerUser,
                $"The {split} pool has only {available} distinct agreed pairs, fewer than the agreed targets per user ({agreedTargetsPerUser}); lower ExamplesPerUser.");
        }
    }

    private static Dictionary<PetAnimal, IReadOnlyList<string>> Pool(Func<PetAnimal, IReadOnlyList<string>> select) =>
        Enum.GetValues<PetAnimal>().ToDictionary(a => a, select);

    private ValueList<PreferenceExample> BuildSplit(
        string split, int total, Dictionary<PetAnimal, IReadOnlyList<string>> pool,
        PetAnimal first, PetAnimal second, bool includeAgreed, Random random)
    {
        var perUser = _options.ExamplesPerUser;
        var userCount = (total + perUser - 1) / perUser;
        var types = Enumerable.Range(0, userCount).Select(i => i % 2 == 0 ? first : second).ToArray();
        random.Shuffle(types);

        var examples = new List<PreferenceExample>(total);
        for (var user = 0; user < userCount; user++)
        {
            var preferred = types[user];
            var other = preferred == first ? second : first;
            var userType = preferred.ToString().ToLowerInvariant();
            var userId = string.Create(CultureInfo.InvariantCulture, $"pets-{split}-{userType}-{user:D4}");
            var oracle = OraclePreference(preferred, other);

            // Context: distinct (first, second) sentence index pairs, oriented by the user's animal.
            var used = new HashSet<(int, int)>();
            var context = new List<PreferencePair>(_options.ContextPairs);
            while (context.Count < _options.ContextPairs)
            {
                var key = (random.Next(pool[preferred].Count), random.Next(pool[other].Count));
                if (used.Add(key)) context.Add(new PreferencePair(Prompt, pool[preferred][key.Item1], pool[other][key.Item2]));
            }

            var userContext = new UserContext(new ValueList<PreferencePair>(context));
            var targets = new HashSet<PreferencePair>(context);
            var count = Math.Min(perUser, total - examples.Count);
            var offset = includeAgreed ? random.Next(2) : 0;
            for (var j = 0; j < count; j++)
            {
                var controversial = !includeAgreed || (j + offset) % 2 == 0;
                PreferencePair target;
                do
                {
                    if (controversial)
                    {
                        target = new PreferencePair(
                            Prompt, pool[preferred][random.Next(pool[preferred].Count)], pool[other][random.Next(pool[other].Count)]);
                    }
                    else
                    {
                        var (winner, loser) = AgreedPairs[random.Next(AgreedPairs.Length)];
                        target = new PreferencePair(Prompt, pool[winner][random.Next(pool[winner].Count)], pool[loser][random.Next(pool[loser].Count)]);
                    }
                }
                while (!targets.Add(target));

                examples.Add(new PreferenceExample(
                    userId, userContext, target, oracle,
                    controversial ? ExampleGroups.Controversial : ExampleGroups.Agreed,
                    userType));
            }
        }

        return new ValueList<PreferenceExample>(examples);
    }

    private static string Plural(PetAnimal animal) => animal switch
    {
        PetAnimal.Bird => "birds",
        PetAnimal.Cat => "cats",
        PetAnimal.Dog => "dogs",
        PetAnimal.Rabbit => "rabbits",
        _ => throw new ArgumentOutOfRangeException(nameof(animal), animal, "Unknown animal."),
    };
}
