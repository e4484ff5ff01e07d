namespace Plus.Data;

/// <summary>
/// Builds template-made "past choices → ##Summary" examples about subjects other than pets (fruit, sports,
/// instruments, ...), used to give a tiny summarizer the generic skill an instruct model brings before PLUS
/// trains it. No animal ever appears, so Pets and Pets-OOD stay new to the summarizer.
/// </summary>
/// <remarks>
/// Each example has the shape of a Pets user's context: a topic prompt ("Please talk about one kind of fruit."),
/// <see cref="ContextPairs"/> past pairs whose chosen sentences are all about subject A and whose rejected
/// sentences are all about subject B, and a target summary. Like the paper's untrained instruct summarizer,
/// the targets are a mixture: with probability <see cref="InformativeFraction"/> the summary names the preferred
/// subject ("The user chose Apples and rejected Pears."); otherwise it is about the topic or generic qualities, or names
/// both subjects in a random order, none of which tells the two kinds of user apart. Deterministic for a seed.
/// </remarks>
public sealed class SummarizationWarmStartBuilder
{
    /// <summary>How many past pairs each context holds (default 3, as Pets).</summary>
    public int ContextPairs { get; init; } = 3;

    /// <summary>The fraction of targets that name the preferred subject (default 0.35).</summary>
    public double InformativeFraction { get; init; } = 0.35;

    /// <summary>The seed; the same seed gives the same examples.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>
    /// Optional extra subjects (for example capitalized words taken from a tokenizer's vocabulary). A large, varied
    /// pool forces a small model to learn to copy the subject from the context instead of memorizing subjects, which is
    /// what lets the skill transfer to unseen subjects such as pets. Words that name an animal or a pet
    /// (<see cref="AnimalPattern"/>) are dropped.
    /// </summary>
    public IReadOnlyList<string>? ExtraSubjects { get; init; }

    /// <summary>The fraction of examples drawn from <see cref="ExtraSubjects"/> when it is given (default 0.7).</summary>
    public double ExtraSubjectFraction { get; init; } = 0.7;

    /// <summary>
    /// Optional extra sentence patterns, format strings with <c>{0}</c> for the subject (for example made by
    /// <see cref="PredicatesFrom"/> from sentences a model was pretrained on). Contexts written with the same sentence
    /// shapes the summarizer will later meet let a small model's copying skill survive the change of wording. A pattern
    /// without <c>{0}</c> or with a word that names an animal is rejected.
    /// </summary>
    public IReadOnlyList<string>? ExtraPredicates { get; init; }

    /// <summary>The fraction of plural-subject examples written with <see cref="ExtraPredicates"/> when given (default 0.5).</summary>
    public double ExtraPredicateFraction { get; init; } = 0.5;

    /// <summary>
    /// Turns sentences that start with their subject ("Dogs are known as man's best friend.") into patterns for
    /// <see cref="ExtraPredicates"/> ("{0} are known as man's best friend."), keeping a possessive ("Birds' feathers
    /// ..." → "{0}' feathers ..."). Sentences whose remaining words name an animal (<see cref="AnimalPattern"/>), or
    /// that hold braces, are dropped, so no pattern carries an animal into the warm start.
    /// </summary>
    /// <param name="sentences">Sentences whose first word is the subject.</param>
    /// <returns>The distinct patterns, in order of first appearance.</returns>
    public static IReadOnlyList<string> PredicatesFrom(IEnumerable<string> sentences)
    {
        ArgumentNullException.ThrowIfNull(sentences);
        var result = new List<string>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (string sentence in sentences)
        {
            if (string.IsNullOrWhiteSpace(sentence) || sentence.Contains('{', StringComparison.Ordinal) || sentence.Contains('}', StringComparison.Ordinal)) continue;
            string trimmed = sentence.Trim();
            int space = trimmed.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0) continue;
            string first = trimmed[..space];
            string rest = trimmed[space..];
            string possessive = first.EndsWith("'s", StringComparison.Ordinal) ? "'s" : first.EndsWith('\'') ? "'" : "";
            if (NamesAnimal(rest)) continue;
            string pattern = "{0}" + possessive + rest;
            if (seen.Add(pattern)) result.Add(pattern);
        }

        return result;
    }

    private static bool NamesAnimal(string text)
    {
        foreach (string word in text.Split([' ', ',', '.', ';', ':', '!', '?', '(', ')', '"', '-'], StringSplitOptions.RemoveEmptyEntries))
        {
            string w = word.EndsWith("'s", StringComparison.Ordinal) ? word[..^2] : word.TrimEnd('\'');
            if (AnimalPattern.IsMatch(w)) return true;
        }

        return false;
    }

    /// <summary>Whole words that name an animal or a pet; never used as a subject.</summary>
    public static System.Text.RegularExpressions.Regex AnimalPattern { get; } = new(
        @"^(dogs?|cats?|birds?|rabbits?|pets?|animals?|puppy|puppies|kittens?|bunny|bunnies|hamsters?|parrots?|fish|fishes|horses?|ponies|pony|mice|mouse|snakes?|turtles?|lizards?|guinea|ferrets?|canine|feline|avian|doggy|kitty)$",
        System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant);

    private static readonly string[] ExtraTopics = ["things", "ideas", "items", "topics"];

    /// <summary>The topics and their subjects (plural or mass nouns that start each sentence). No animals.</summary>
    public static IReadOnlyList<(string Topic, string[] Subjects, bool Singular)> Topics { get; } = new (string, string[], bool)[]
    {
        ("fruit", ["Apples", "Bananas", "Cherries", "Grapes", "Mangoes", "Oranges", "Pears", "Plums", "Peaches", "Lemons", "Strawberries", "Melons", "Figs", "Limes", "Apricots"], false),
        ("vegetables", ["Carrots", "Potatoes", "Tomatoes", "Onions", "Peppers", "Beans", "Peas", "Cucumbers", "Radishes", "Beets", "Pumpkins", "Mushrooms", "Leeks", "Turnips"], false),
        ("flowers", ["Roses", "Tulips", "Lilies", "Daisies", "Orchids", "Sunflowers", "Violets", "Poppies", "Daffodils", "Lilacs"], false),
        ("trees", ["Oaks", "Pines", "Maples", "Birches", "Willows", "Palms", "Cedars", "Elms", "Firs"], false),
        ("desserts", ["Cakes", "Cookies", "Pies", "Muffins", "Puddings", "Brownies", "Donuts", "Waffles", "Pancakes", "Tarts"], false),
        ("instruments", ["Pianos", "Guitars", "Violins", "Drums", "Flutes", "Trumpets", "Cellos", "Harps", "Clarinets"], false),
        ("vehicles", ["Cars", "Bikes", "Trains", "Buses", "Boats", "Planes", "Trucks", "Scooters", "Ships", "Tractors"], false),
        ("gems", ["Diamonds", "Rubies", "Emeralds", "Sapphires", "Pearls", "Opals"], false),
        ("buildings", ["Castles", "Towers", "Bridges", "Temples", "Cottages", "Skyscrapers", "Lighthouses"], false),
        ("tools", ["Hammers", "Saws", "Drills", "Wrenches", "Shovels", "Ladders", "Scissors"], false),
        ("sports", ["Football", "Tennis", "Basketball", "Baseball", "Hockey", "Golf", "Swimming", "Cycling", "Volleyball", "Rugby", "Cricket", "Skiing"], true),
        ("colours", ["Red", "Blue", "Green", "Yellow", "Purple", "Orange", "Pink", "Black", "White", "Brown"], true),
        ("drinks", ["Coffee", "Tea", "Juice", "Milk", "Lemonade", "Cocoa", "Soda", "Water"], true),
        ("seasons", ["Summer", "Winter", "Spring", "Autumn"], true),
        ("cities", ["Paris", "London", "Rome", "Tokyo", "Berlin", "Madrid", "Vienna", "Prague", "Lisbon", "Oslo"], true),
        ("metals", ["Gold", "Silver", "Copper", "Iron", "Steel", "Bronze", "Tin"], true),
    };

    // {0} = subject; "are/is", "have/has" chosen by number.
    private static readonly string[] PluralPredicates =
    [
        "{0} are loved by many people.", "{0} come in many varieties.", "{0} can be found all over the world.",
        "{0} have a long history.", "{0} are a popular choice.", "{0} are easy to recognize.", "{0} make people happy.",
        "{0} are often shown in pictures.", "{0} appear in many old stories.", "{0} can be surprisingly complex.",
        "{0} are part of everyday life.", "{0} have many fans.", "{0} are often compared with each other.",
        "{0} vary a lot in size.", "{0} are admired for their beauty.", "{0} bring joy to families.",
        "{0} are studied by experts.", "{0} look bright in the sun.", "{0} are easy to find in markets.",
        "{0} are a common gift.", "{0} have a special charm.", "{0} are praised in many songs.",
        "{0} are valued in many cultures.", "{0} are cheap in some places.", "{0} need some care.",
    ];

    private static readonly string[] SingularPredicates =
    [
        "{0} is loved by many people.", "{0} comes in many varieties.", "{0} can be found all over the world.",
        "{0} has a long history.", "{0} is a popular choice.", "{0} is easy to recognize.", "{0} makes people happy.",
        "{0} is often shown in pictures.", "{0} appears in many old stories.", "{0} can be surprisingly complex.",
        "{0} is part of everyday life.", "{0} has many fans.", "{0} is often compared with others.",
        "{0} varies a lot from place to place.", "{0} is admired by many.", "{0} brings joy to families.",
        "{0} is studied by experts.", "{0} feels bright in the sun.", "{0} is easy to find.",
        "{0} is a common topic.", "{0} has a special charm.", "{0} is praised in many songs.",
        "{0} is valued in many cultures.", "{0} is cheap in some places.", "{0} needs some care.",
    ];

    private static readonly string[] GenericSummaries =
    [
        "The user appreciates short, factual information.",
        "The user values friendly and positive descriptions.",
        "The user likes clear and simple answers.",
        "The user enjoys warm and cheerful statements.",
    ];

    /// <summary>Creates <paramref name="count"/> examples.</summary>
    /// <param name="count">How many examples.</param>
    /// <returns>Each user context with its target summary text (without the <c>##Summary</c> marker).</returns>
    public IReadOnlyList<(UserContext Context, string Summary, bool Informative)> Build(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentOutOfRangeException.ThrowIfLessThan(ContextPairs, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(ExtraPredicateFraction, 0.0);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(ExtraPredicateFraction, 1.0);
        var extraPredicates = (ExtraPredicates ?? []).ToArray();
        for (int i = 0; i < extraPredicates.Length; i++)
        {
            if (extraPredicates[i] is null || !extraPredicates[i].Contains("{0}", StringComparison.Ordinal))
                throw new InvalidOperationException($"ExtraPredicates[{i}] ('{extraPredicates[i]}') has no {{0}} placeholder for the subject.");
            if (NamesAnimal(extraPredicates[i].Replace("{0}", "", StringComparison.Ordinal)))
                throw new InvalidOperationException($"ExtraPredicates[{i}] ('{extraPredicates[i]}') names an animal; the warm start must never mention one.");
        }

        var rng = new Random(Seed);
        var extra = (ExtraSubjects ?? []).Where(w => !string.IsNullOrWhiteSpace(w) && !AnimalPattern.IsMatch(w.Trim())).Select(w => w.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        var result = new List<(UserContext, string, bool)>(count);
        for (int n = 0; n < count; n++)
        {
            var (topic, subjects, singular) = extra.Length >= 2 && rng.NextDouble() < ExtraSubjectFraction
                ? (ExtraTopics[rng.Next(ExtraTopics.Length)], extra, false)
                : Topics[rng.Next(Topics.Count)];
            int a = rng.Next(subjects.Length);
            int b = (a + 1 + rng.Next(subjects.Length - 1)) % subjects.Length;
            string chosenSubject = subjects[a], rejectedSubject = subjects[b];
            var predicates = singular ? SingularPredicates
                : extraPredicates.Length > 0 && rng.NextDouble() < ExtraPredicateFraction ? extraPredicates : PluralPredicates;
            var prompt = Conversation.FromUser($"Please talk about one kind of {topic}.");
            var pairs = new PreferencePair[ContextPairs];
            for (int i = 0; i < ContextPairs; i++)
            {
                string chosen = string.Format(System.Globalization.CultureInfo.InvariantCulture, predicates[rng.Next(predicates.Length)], chosenSubject);
                string rejected = string.Format(System.Globalization.CultureInfo.InvariantCulture, predicates[rng.Next(predicates.Length)], rejectedSubject);
                pairs[i] = new PreferencePair(prompt, chosen, rejected);
            }

            bool informative = rng.NextDouble() < InformativeFraction;
            string summary;
            if (informative)
            {
                // "chose X ... rejected Y" repeats the context's own wording, so a small model can write it by
                // copying the token that followed the same word in the context (an induction pattern).
                summary = rng.Next(2) switch
                {
                    0 => $"The user chose {chosenSubject} and rejected {rejectedSubject}.",
                    _ => $"The user chose {chosenSubject} over {rejectedSubject}.",
                };
            }
            else
            {
                bool swap = rng.Next(2) == 0;
                string first = swap ? rejectedSubject : chosenSubject, second = swap ? chosenSubject : rejectedSubject;
                summary = rng.Next(3) switch
                {
                    0 => $"The user likes to talk about {topic}.",
                    1 => GenericSummaries[rng.Next(GenericSummaries.Length)],
                    _ => $"The user enjoys {first} and {second}.",
                };
            }

            result.Add((new UserContext(pairs), summary, informative));
        }

        return result;
    }
}
