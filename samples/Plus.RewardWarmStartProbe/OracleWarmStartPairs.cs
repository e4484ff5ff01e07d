using System.Globalization;
using Plus.Data;

namespace Plus.RewardWarmStartProbe;

/// <summary>
/// Builds Oracle-conditioned preference pairs about subjects other than animals, for a reward-model warm start that
/// should teach the rule "prefer the response about the subject the conditioning names first" rather than
/// memorizing subjects (issue 15). Conditioning is <c>This user prefers X over Y.</c> (the shape of
/// <see cref="PetsDatasetBuilder.OraclePreference"/>), the chosen response is a sentence about X and the rejected one
/// a sentence about Y, both written with the same pool of sentence patterns so only the subject tells them apart.
/// Subjects are the plural subjects of <see cref="SummarizationWarmStartBuilder.Topics"/>; no animal ever appears.
/// Deterministic for a seed.
/// </summary>
public sealed class OracleWarmStartPairs
{
    private readonly IReadOnlyList<string> _patterns;

    /// <summary>Creates a builder over sentence patterns (format strings with <c>{0}</c> for the subject).</summary>
    /// <param name="patterns">The patterns, for example <see cref="SummarizationWarmStartBuilder.PredicatesFrom"/> of the Pets training sentences.</param>
    /// <exception cref="ArgumentException">The list is empty, or a pattern has no <c>{0}</c> or names an animal; the message gives its index.</exception>
    public OracleWarmStartPairs(IReadOnlyList<string> patterns)
    {
        ArgumentNullException.ThrowIfNull(patterns);
        if (patterns.Count == 0) throw new ArgumentException("There are no sentence patterns.", nameof(patterns));
        _patterns = RewardWarmStartBuilder.CheckPatterns(patterns);
    }

    /// <summary>The seed; the same seed gives the same pairs.</summary>
    public int Seed { get; init; } = 1234;

    /// <summary>
    /// The fraction of pairs that are agreed-style (default 0): both responses are about the subject the user prefers
    /// or both about the other one, so the conditioning does not decide them; such a pair is labelled by a fixed,
    /// seed-chosen ranking of the patterns, as Pets' agreed pairs are by a fixed ranking of animals.
    /// </summary>
    public double AgreedFraction { get; init; }

    /// <summary>
    /// Optional subjects to draw from instead of <see cref="Subjects"/> (for example capitalized words of a tokenizer's
    /// vocabulary), under the topic "things"; words that name an animal are dropped. Needs at least two after that.
    /// </summary>
    public IReadOnlyList<string>? SubjectPool { get; init; }

    /// <summary>
    /// When true the conditioning names the subjects as the responses write them ("This user prefers Apples over
    /// Pears."); when false (default) in lower case, as <see cref="PetsDatasetBuilder.OraclePreference"/> does.
    /// </summary>
    public bool KeepCase { get; init; }

    /// <summary>
    /// An Oracle text with each subject at the start of a line, capitalized as a response starts:
    /// <c>This user prefers rabbits over birds.</c> becomes <c>This user prefers\nRabbits\nover\nBirds</c>. With a
    /// byte-level BPE whose pre-tokenizer attaches a leading space to a word (Qwen2's), a subject after a newline is
    /// split into the very tokens a response starting with it has (<c>Ċ|R|ab|bits</c>), while <c> rabbits</c> shares
    /// none of them (<c>Ġrabbits</c>).
    /// </summary>
    /// <param name="oracle">A text of the form <c>This user prefers X over Y.</c> (single words).</param>
    /// <returns>The line-start form.</returns>
    /// <exception cref="ArgumentException">The text is not of that form; the message quotes it.</exception>
    public static string LineStartForm(string oracle)
    {
        ArgumentNullException.ThrowIfNull(oracle);
        var m = System.Text.RegularExpressions.Regex.Match(oracle, @"^This user prefers (\w+) over (\w+)\.$", System.Text.RegularExpressions.RegexOptions.CultureInvariant);
        if (!m.Success) throw new ArgumentException($"'{oracle}' is not of the form 'This user prefers X over Y.'.", nameof(oracle));
        static string Cap(string w) => char.ToUpperInvariant(w[0]) + w[1..];
        return $"This user prefers\n{Cap(m.Groups[1].Value)}\nover\n{Cap(m.Groups[2].Value)}";
    }

    /// <summary>The plural, non-animal subjects pairs are drawn from, grouped by topic.</summary>
    public static IReadOnlyList<(string Topic, string[] Subjects)> Subjects { get; } =
        SummarizationWarmStartBuilder.Topics.Where(t => !t.Singular)
            .Select(t => (t.Topic, t.Subjects.Where(s => !SummarizationWarmStartBuilder.AnimalPattern.IsMatch(s)).ToArray()))
            .Where(t => t.Item2.Length >= 2).ToArray();

    /// <summary>True when any word of <paramref name="text"/> names an animal or pet (<see cref="SummarizationWarmStartBuilder.AnimalPattern"/>).</summary>
    /// <param name="text">Any text.</param>
    public static bool NamesAnimal(string text) => RewardWarmStartBuilder.NamesAnimal(text);

    /// <summary>Builds <paramref name="count"/> examples; controversial ones are in group <c>controversial</c>, agreed ones in <c>agreed</c>.</summary>
    /// <param name="count">How many examples.</param>
    /// <returns>Examples with an empty context, the Oracle text in <see cref="PreferenceExample.OraclePreference"/> and the preferred subject as <see cref="PreferenceExample.UserType"/>.</returns>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="count"/> is negative.</exception>
    /// <exception cref="InvalidOperationException"><see cref="AgreedFraction"/> is outside [0, 1], or <see cref="SubjectPool"/> has fewer than two usable subjects.</exception>
    public IReadOnlyList<PreferenceExample> Build(int count)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        if (AgreedFraction is < 0 or > 1) throw new InvalidOperationException($"AgreedFraction ({AgreedFraction}) must be in [0, 1].");
        var pool = (SubjectPool ?? []).Where(w => !string.IsNullOrWhiteSpace(w) && !NamesAnimal(w)).Select(w => w.Trim()).Distinct(StringComparer.Ordinal).ToArray();
        if (SubjectPool is not null && pool.Length < 2)
            throw new InvalidOperationException($"SubjectPool has {pool.Length} usable (non-animal, distinct) subjects; at least 2 are needed.");
        var rng = new Random(Seed);
        // A fixed ranking of patterns for agreed pairs (the better-ranked pattern wins whatever the user prefers).
        var rank = Enumerable.Range(0, _patterns.Count).OrderBy(_ => rng.Next()).ToArray();
        var result = new List<PreferenceExample>(count);
        for (int n = 0; n < count; n++)
        {
            var (topic, subjects) = SubjectPool is not null ? ("things", pool) : Subjects[rng.Next(Subjects.Count)];
            int a = rng.Next(subjects.Length);
            int b = (a + 1 + rng.Next(subjects.Length - 1)) % subjects.Length;
            string preferred = subjects[a], other = subjects[b];
            string oracle = KeepCase ? $"This user prefers {preferred} over {other}." : $"This user prefers {preferred.ToLowerInvariant()} over {other.ToLowerInvariant()}.";
            var prompt = Conversation.FromUser($"Please talk about one kind of {topic}.");
            int p1 = rng.Next(_patterns.Count);
            int p2 = (p1 + 1 + rng.Next(Math.Max(1, _patterns.Count - 1))) % _patterns.Count;
            PreferencePair target;
            string group;
            if (_patterns.Count > 1 && rng.NextDouble() < AgreedFraction)
            {
                string subject = rng.Next(2) == 0 ? preferred : other;
                var (win, lose) = rank[p1] < rank[p2] ? (p1, p2) : (p2, p1);
                target = new PreferencePair(prompt, Format(_patterns[win], subject), Format(_patterns[lose], subject));
                group = ExampleGroups.Agreed;
            }
            else
            {
                target = new PreferencePair(prompt, Format(_patterns[p1], preferred), Format(_patterns[p2], other));
                group = ExampleGroups.Controversial;
            }

            result.Add(new PreferenceExample($"warm-{n}", new UserContext(new ValueList<PreferencePair>([])), target, oracle, group, preferred));
        }

        return result;
    }

    private static string Format(string pattern, string subject) => string.Format(CultureInfo.InvariantCulture, pattern, subject);
}
