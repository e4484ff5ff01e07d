using System.Globalization;

namespace Plus.Data;

/// <summary>
/// Builds preference pairs about subjects other than animals whose conditioning is a summary-like text naming the
/// subject the user prefers, for a reward-model warm start before PLUS (issue 15). The chosen response is a sentence
/// about the preferred subject and the rejected one a sentence about the other, both written with the same sentence
/// patterns, so only the subject tells them apart: what the reward model can learn from them is the rule "prefer the
/// response about what the summary says the user prefers", over many subjects, not any one subject. No animal or pet
/// ever appears (<see cref="SummarizationWarmStartBuilder.AnimalPattern"/>; a pattern or subject naming one is refused or
/// dropped), so Pets and Pets-OOD stay new to the reward model. Deterministic for a seed.
/// </summary>
/// <remarks>
/// The summaries are a mixture of the forms a summarizer writes and a user might type (<see cref="Forms"/>): a copied
/// chosen sentence ("The user chose Apples are easy to care for."), both choices, only the rejection, "The user chose X
/// and rejected Y.", and plain statements ("This user prefers Apples over Pears.", "Likes Apples, not Pears."). The
/// copied sentence uses a different pattern from the chosen response, and in a share of the pairs the rejected
/// response's pattern, so matching whole sentences does not pay. Subjects are written as the responses write them
/// (capitalized), so with a reward encoder that reads capitalized words at line starts
/// (<c>RewardTextEncoder.SubjectLines</c>) a subject has the same tokens in the summary and in the response.
/// </remarks>
public sealed class RewardWarmStartBuilder
{
    private readonly IReadOnlyList<string> _patterns;
    private readonly string[] _subjects;

    /// <summary>Creates a builder over sentence patterns and subjects.</summary>
    /// <param name="patterns">Format strings with <c>{0}</c> for the subject, for example
    /// <see cref="SummarizationWarmStartBuilder.PredicatesFrom"/> of the Pets training sentences; at least two.</param>
    /// <param name="subjects">Subjects as a response starts with them ("Apples"); those naming an animal are dropped; at least two must remain.</param>
    /// <exception cref="ArgumentException">Fewer than two patterns, a pattern without <c>{0}</c> or naming an animal (the message gives its index), or fewer than two usable subjects.</exception>
    public RewardWarmStartBuilder(IReadOnlyList<string> patterns, IEnumerable<string> subjects)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        ArgumentNullException.ThrowIfNull(subjects);
        if (patterns.Count < 2) throw new ArgumentException($"There are {patterns.Count} sentence patterns; at least 2 are needed.", nameof(patterns));
        _patterns = CheckPatterns(patterns);
        _subjects = subjects.Where(s => !string.IsNullOrWhiteSpace(s)).Select(s => s.Trim()).Where(s => !NamesAnimal(s))
            .Distinct(StringComparer.Ordinal).ToArray();
        if (_subjects.Length < 2)
            throw new ArgumentException($"There are {_subjects.Length} usable (non-animal, distinct) subjects; at least 2 are needed.", nameof(subjects));
    }

    /// <summary>The seed; the same seed gives the same pairs.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>
    /// The share of pairs whose copied sentence uses the rejected response's pattern (default 0.15), so that a reward
    /// model matching the summary's sentence shape rather than its subject is wrong on them.
    /// </summary>
    public double DistractorFraction { get; init; } = 0.15;

    /// <summary>
    /// The share of agreed pairs (default 0): a pair of two <see cref="RankedSubjects"/> that is not the user's own two
    /// subjects, won by the subject a fixed ranking puts higher whatever the summary says, as Pets' agreed pairs are (birds
    /// beat dogs even for a dog person). Group <c>agreed</c>.
    /// </summary>
    public double AgreedFraction { get; init; }

    /// <summary>
    /// The share of overriding pairs (default 0): the user prefers the one of two ranked subjects that the ranking puts
    /// lower, the summary names both (only forms with both subjects), and the summary wins. Pets-OOD is such a case (its
    /// users choose between rabbits and birds, which Pets' agreed pairs rank); these pairs teach that a summary naming
    /// both subjects of a pair decides it over the ranking. Group <c>controversial</c>.
    /// </summary>
    public double OverrideFraction { get; init; }

    /// <summary>How many subjects the fixed ranking holds (default 48).</summary>
    public int RankedSubjects { get; init; } = 48;

    /// <summary>The seed of the ranking (default 0), separate from <see cref="Seed"/> so that every builder of a run agrees on it.</summary>
    public int RankingSeed { get; init; }

    /// <summary>The summary forms drawn from, with their weights (default <see cref="DefaultForms"/>).</summary>
    public IReadOnlyList<(string Form, double Weight)> Forms { get; init; } = DefaultForms;

    /// <summary>
    /// The default summary forms, with their weights: <c>{x}</c> the preferred subject, <c>{y}</c> the other, <c>{sx}</c> a
    /// sentence about the preferred subject, <c>{sy}</c> one about the other.
    /// </summary>
    public static IReadOnlyList<(string Form, double Weight)> DefaultForms { get; } =
    [
        ("The user chose {sx}", 0.30),
        ("The user chose {sx} The user rejected {sy}", 0.12),
        ("The user rejected {sy}", 0.08),
        ("The user chose {x} and rejected {y}.", 0.12),
        ("The user chose {x}.", 0.06),
        ("This user prefers {x} over {y}.", 0.06),
        ("The user prefers {x}.", 0.05),
        ("Likes {x}, not {y}.", 0.05),
        ("The user dislikes {y} and likes {x}.", 0.04),
        ("I like {x} more than {y}.", 0.04),
        ("Prefers {x} to {y}.", 0.04),
        ("Not {y}. {x}.", 0.04),
    ];

    /// <summary>
    /// Subjects drawn from a byte-level BPE vocabulary: its capitalized whole words (tokens <c>ĠWord</c>) and its
    /// lower-case words written capitalized (<c>Ġword</c> → "Word", which a tokenizer splits into several pieces after a
    /// space, as it splits "Rabbits" into <c>ĠRab|bits</c>), at least four letters, none naming an animal. Both kinds
    /// matter: trained on single-token subjects only, the tiny reward model matched unseen single-token words but not
    /// the animals (docs/plus.md). Sorted, distinct.
    /// </summary>
    /// <param name="tokens">The vocabulary's token strings.</param>
    public static IReadOnlyList<string> SubjectsFromVocabulary(IEnumerable<string?> tokens)
    {
        ArgumentNullException.ThrowIfNull(tokens);
        return tokens
            .Where(t => t is { Length: >= 5 } && t[0] == '\u0120' && char.IsAsciiLetter(t[1]) && t.Skip(2).All(char.IsAsciiLetterLower))
            .Select(t => char.ToUpperInvariant(t![1]) + t[2..]).Where(w => !NamesAnimal(w)).Distinct(StringComparer.Ordinal).OrderBy(w => w, StringComparer.Ordinal).ToList();
    }

    /// <summary>
    /// Checks warm-start sentence patterns: each must hold a <c>{0}</c> for the subject and name no animal once the
    /// subject is left out.
    /// </summary>
    /// <param name="patterns">Format strings with <c>{0}</c> for the subject.</param>
    /// <returns>A copy of the patterns.</returns>
    /// <exception cref="ArgumentException">A pattern is null, has no <c>{0}</c> or names an animal; the message gives its index.</exception>
    public static string[] CheckPatterns(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        for (int i = 0; i < patterns.Count; i++)
        {
            string p = patterns[i];
            if (p is null || !p.Contains("{0}", StringComparison.Ordinal))
                throw new ArgumentException($"patterns[{i}] ('{p}') has no {{0}} placeholder for the subject.", nameof(patterns));
            if (NamesAnimal(p.Replace("{0}", "", StringComparison.Ordinal)))
                throw new ArgumentException($"patterns[{i}] ('{p}') names an animal; the warm start must never mention one.", nameof(patterns));
        }

        return patterns.ToArray();
    }

    /// <summary>True when any word of <paramref name="text"/> names an animal or pet (<see cref="SummarizationWarmStartBuilder.AnimalPattern"/>).</summary>
    /// <param name="text">Any text.</param>
    public static bool NamesAnimal(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        foreach (string word in text.Split([' ', ',', '.', ';', ':', '!', '?', '(', ')', '"', '-', '\n'], StringSplitOptions.RemoveEmptyEntries))
        {
            string w = word.EndsWith("'s", StringComparison.Ordinal) ? word[..^2] : word.TrimEnd('\'');
            if (SummarizationWarmStartBuilder.AnimalPattern.IsMatch(w)) return true;
        }

        return false;
    }

    /// <summary>
    /// Builds <paramref name="count"/> examples (controversial, and agreed ones with <see cref="AgreedFraction"/>): an empty context, the summary-like text in
    /// <see cref="PreferenceExample.OraclePreference"/>, the preferred subject as <see cref="PreferenceExample.UserType"/>.
    /// </summary>
    /// <param name="count">How many examples.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="InvalidOperationException">A fraction is out of range, <see cref="RankedSubjects"/> does not fit the subjects, or overriding pairs are asked for and no form names both subjects.</exception>
    public IReadOnlyList<PreferenceExample> Build(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (DistractorFraction is < 0 or > 1) throw new InvalidOperationException($"DistractorFraction ({DistractorFraction}) must be in [0, 1].");
        if (AgreedFraction < 0 || OverrideFraction < 0 || AgreedFraction + OverrideFraction > 1)
            throw new InvalidOperationException($"AgreedFraction ({AgreedFraction}) and OverrideFraction ({OverrideFraction}) must be at least 0 and sum to at most 1.");
        bool ranked = AgreedFraction + OverrideFraction > 0;
        if (ranked && (RankedSubjects < 3 || RankedSubjects > _subjects.Length))
            throw new InvalidOperationException($"RankedSubjects ({RankedSubjects}) must be between 3 and the {_subjects.Length} usable subjects when AgreedFraction or OverrideFraction is above 0.");
        var both = Forms.Where(f => Names(f.Form, "x") && Names(f.Form, "y")).ToList();
        if (OverrideFraction > 0 && both.Count == 0)
            throw new InvalidOperationException("OverrideFraction is above 0 but no form names both subjects ({x} or {sx} and {y} or {sy}).");
        // The fixed ranking of agreed pairs: the same for every Seed, so warm-start pairs and anchors agree on it.
        var ranking = new Random(RankingSeed);
        string[] rankedSubjects = ranked ? _subjects.OrderBy(_ => ranking.Next()).Take(RankedSubjects).ToArray() : [];
        var rank = rankedSubjects.Select((subject, i) => (subject, i)).ToDictionary(t => t.subject, t => t.i, StringComparer.Ordinal);
        var rng = new Random(Seed);
        var prompt = Conversation.FromUser("Please talk about one kind of things.");
        var result = new List<PreferenceExample>(count);
        for (int n = 0; n < count; n++)
        {
            double kind = ranked ? rng.NextDouble() : 1;
            bool agreed = kind < AgreedFraction, overriding = !agreed && kind < AgreedFraction + OverrideFraction;
            string x, y;
            if (overriding || (agreed && rng.Next(2) == 0))
            {
                // Both subjects ranked; an overriding user prefers the one the ranking puts lower.
                int a = rng.Next(rankedSubjects.Length), b = (a + 1 + rng.Next(rankedSubjects.Length - 1)) % rankedSubjects.Length;
                (x, y) = overriding && a < b ? (rankedSubjects[b], rankedSubjects[a]) : (rankedSubjects[a], rankedSubjects[b]);
            }
            else
            {
                int a = rng.Next(_subjects.Length), b = (a + 1 + rng.Next(_subjects.Length - 1)) % _subjects.Length;
                (x, y) = (_subjects[a], _subjects[b]);
            }

            int p1 = rng.Next(_patterns.Count);
            int p2 = (p1 + 1 + rng.Next(_patterns.Count - 1)) % _patterns.Count;
            // The sentence a summary copies: never the chosen response's pattern; sometimes the rejected one's.
            int px = rng.NextDouble() < DistractorFraction ? p2 : OtherThan(rng, p1, p2);
            int py = OtherThan(rng, p1, p2);
            string form = Pick(rng, overriding ? both : Forms);
            string summary = form.Replace("{sx}", Format(_patterns[px], x), StringComparison.Ordinal)
                .Replace("{sy}", Format(_patterns[py], y), StringComparison.Ordinal)
                .Replace("{x}", x, StringComparison.Ordinal).Replace("{y}", y, StringComparison.Ordinal);
            PreferencePair target;
            if (agreed)
            {
                // A pair the summary does not decide (not the user's two subjects): the ranking's better subject wins,
                // half the time against the user's own preferred subject (as Pets' birds beat a dog person's dogs).
                string c, d;
                do
                {
                    c = rank.ContainsKey(x) && rng.Next(2) == 0 ? x : rankedSubjects[rng.Next(rankedSubjects.Length)];
                    d = rankedSubjects[rng.Next(rankedSubjects.Length)];
                }
                while (c == d || (c == x && d == y) || (c == y && d == x));
                var (win, lose) = rank[c] < rank[d] ? (c, d) : (d, c);
                target = new PreferencePair(prompt, Format(_patterns[p1], win), Format(_patterns[p2], lose));
            }
            else
            {
                target = new PreferencePair(prompt, Format(_patterns[p1], x), Format(_patterns[p2], y));
            }

            result.Add(new PreferenceExample($"reward-warm-{n}", new UserContext(new ValueList<PreferencePair>([])), target, summary,
                agreed ? ExampleGroups.Agreed : ExampleGroups.Controversial, x));
        }

        return result;
    }

    private static bool Names(string form, string subject) =>
        form.Contains("{" + subject + "}", StringComparison.Ordinal) || form.Contains("{s" + subject + "}", StringComparison.Ordinal);

    private static string Pick(Random rng, IReadOnlyList<(string Form, double Weight)> forms)
    {
        double pick = rng.NextDouble() * forms.Sum(f => f.Weight);
        foreach (var (f, w) in forms)
        {
            if ((pick -= w) < 0) return f;
        }

        return forms[^1].Form;
    }

    private int OtherThan(Random rng, int p1, int p2)
    {
        if (_patterns.Count <= 2) return rng.Next(2) == 0 ? p1 : p2;
        int p;
        do p = rng.Next(_patterns.Count);
        while (p == p1 || p == p2);
        return p;
    }

    private static string Format(string pattern, string subject) => string.Format(CultureInfo.InvariantCulture, pattern, subject);
}
