using System.Globalization;
using System.Text.Json;

namespace Plus.Data;

/// <summary>
/// Builds UltraFeedback-Personalized (UF-P-2, UF-P-4; VPL and the PLUS paper) from UltraFeedback rows in the
/// Hugging Face <c>openbmb/UltraFeedback</c> JSONL format: <c>instruction</c> and <c>completions[]</c>, each with a
/// <c>response</c> and <c>annotations.{helpfulness, honesty, instruction_following, truthfulness}.Rating</c>
/// (a number or a numeric string; <c>"N/A"</c> means unrated).
/// </summary>
/// <remarks>
/// <para>Each user type values one attribute. For every prompt and every two completions, an attribute prefers the
/// completion it rates strictly higher (equal or unrated: no preference). A pair is <i>controversial</i> when one of
/// the variant's attributes prefers the first completion and another prefers the second; only controversial pairs
/// are kept. A user of attribute <c>a</c> sees pairs on which <c>a</c> has a preference, oriented by it.</para>
/// <para>A context has between <see cref="UltraFeedbackPOptions.MinContextPairs"/> and
/// <see cref="UltraFeedbackPOptions.MaxContextPairs"/> distinct pairs and is resampled until it identifies the user:
/// for every other attribute, at least one context pair is one that attribute strictly orders the other way (so the
/// context is not consistent with any other user type). No target equals a context pair.</para>
/// <para>Prompts (rows) are split between training and test (<see cref="UltraFeedbackPOptions.TestPromptFraction"/>);
/// each side's targets and contexts come from its own prompts only. User types are balanced (round robin, then
/// shuffled). Every example is in group <c>controversial</c>; its user type is the attribute's snake_case name.</para>
/// <para>Deterministic for a given input, options and seed. Instances are immutable and thread-safe.</para>
/// </remarks>
public sealed class UltraFeedbackPBuilder
{
    private readonly UltraFeedbackPOptions _options;
    private readonly UltraFeedbackAttribute[] _attributes;

    /// <summary>Creates a builder.</summary>
    /// <param name="options">The options (validated here); null for the defaults (UF-P-2).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public UltraFeedbackPBuilder(UltraFeedbackPOptions? options = null)
    {
        _options = options ?? new UltraFeedbackPOptions();
        _options.Validate();
        _attributes = _options.Attributes.ToArray();
    }

    /// <summary>The attribute's field name in UltraFeedback and its <see cref="PreferenceExample.UserType"/> (e.g. <c>instruction_following</c>).</summary>
    /// <param name="attribute">The attribute.</param>
    public static string FieldName(UltraFeedbackAttribute attribute) => attribute switch
    {
        UltraFeedbackAttribute.Helpfulness => "helpfulness",
        UltraFeedbackAttribute.Honesty => "honesty",
        UltraFeedbackAttribute.InstructionFollowing => "instruction_following",
        UltraFeedbackAttribute.Truthfulness => "truthfulness",
        _ => throw new ArgumentOutOfRangeException(nameof(attribute), attribute, "Unknown attribute."),
    };

    /// <summary>The attribute as written in prompts (e.g. <c>instruction-following</c>).</summary>
    /// <param name="attribute">The attribute.</param>
    public static string DisplayName(UltraFeedbackAttribute attribute) => FieldName(attribute).Replace('_', '-');

    /// <summary>The ground-truth preference text (paper appendix E), e.g. "I prioritize honesty in AI assistant's responses.".</summary>
    /// <param name="attribute">The user's attribute.</param>
    public static string OraclePreference(UltraFeedbackAttribute attribute) =>
        $"I prioritize {DisplayName(attribute)} in AI assistant's responses.";

    /// <summary>Reads the UltraFeedback JSONL file at <paramref name="path"/> and builds the data set.</summary>
    /// <param name="path">The UltraFeedback file (one row per line).</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="PreferenceDataException">A row is malformed (the message names the file, line and field).</exception>
    /// <exception cref="InvalidOperationException">The input has too few controversial pairs for the options.</exception>
    public async Task<DatasetSplit> BuildAsync(string path, CancellationToken cancellationToken = default)
    {
        var stream = JsonlFile.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            return await BuildAsync(stream, path, cancellationToken).ConfigureAwait(false);
        }
    }

    /// <summary>Reads UltraFeedback JSONL rows from <paramref name="stream"/> and builds the data set. The stream is not disposed.</summary>
    /// <param name="stream">The rows, UTF-8, one per line.</param>
    /// <param name="sourceName">How error messages name the stream.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="PreferenceDataException">A row is malformed.</exception>
    /// <exception cref="InvalidOperationException">The input has too few controversial pairs for the options.</exception>
    public async Task<DatasetSplit> BuildAsync(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        var rows = new List<Row>();
        await foreach (var (lineNumber, text) in JsonlFile.ReadLinesAsync(stream, sourceName, cancellationToken).ConfigureAwait(false))
        {
            rows.Add(ParseRow(new JsonLine(sourceName, lineNumber), text));
        }

        if (rows.Count < 2)
        {
            throw new InvalidOperationException($"{sourceName} holds {rows.Count} UltraFeedback row(s); at least 2 are needed to split prompts between training and test.");
        }

        var random = new Random(_options.Seed);
        var order = Enumerable.Range(0, rows.Count).ToArray();
        random.Shuffle(order);
        var testCount = Math.Clamp((int)Math.Round(_options.TestPromptFraction * rows.Count, MidpointRounding.AwayFromZero), 1, rows.Count - 1);
        var testRows = order.Take(testCount).Order().Select(i => rows[i]).ToList();
        var trainRows = order.Skip(testCount).Order().Select(i => rows[i]).ToList();

        var train = BuildSplit("train", trainRows, _options.EffectiveTrainExamples, random);
        var test = BuildSplit("test", testRows, _options.TestExamples, random);
        return new DatasetSplit(train, test);
    }

    private Row ParseRow(JsonLine at, string text)
    {
        using var document = at.Parse(text);
        var root = document.RootElement;
        var instruction = at.RequireString(root, "instruction", "instruction");
        var completionsElement = at.RequireArray(root, "completions", "completions");
        var completions = new List<Completion>();
        var index = 0;
        foreach (var completion in completionsElement.EnumerateArray())
        {
            var path = JsonLine.Index("completions", index++);
            at.AsObject(completion, path);
            var response = at.RequireString(completion, "response", JsonLine.Path(path, "response"));
            var annotations = at.RequireObject(completion, "annotations", JsonLine.Path(path, "annotations"));
            var ratings = new double?[_attributes.Length];
            for (var a = 0; a < _attributes.Length; a++)
            {
                var name = FieldName(_attributes[a]);
                var attributePath = JsonLine.Path(JsonLine.Path(path, "annotations"), name);
                var annotation = at.RequireObject(annotations, name, attributePath);
                ratings[a] = ParseRating(at, at.Require(annotation, "Rating", JsonLine.Path(attributePath, "Rating")), JsonLine.Path(attributePath, "Rating"));
            }

            completions.Add(new Completion(response, ratings));
        }

        return new Row(Conversation.FromUser(instruction), completions);
    }

    private static double? ParseRating(JsonLine at, JsonElement value, string path)
    {
        if (value.ValueKind == JsonValueKind.Number) return value.GetDouble();
        if (value.ValueKind != JsonValueKind.String)
        {
            throw at.Error(path, $"must be a number, a numeric string or \"N/A\", found {JsonLine.Describe(value.ValueKind)}");
        }

        var text = value.GetString()!.Trim();
        if (text.Equals("N/A", StringComparison.OrdinalIgnoreCase)) return null;
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var rating)
            ? rating
            : throw at.Error(path, $"must be a number, a numeric string or \"N/A\", found \"{text}\"");
    }

    private ValueList<PreferenceExample> BuildSplit(string split, List<Row> rows, int total, Random random)
    {
        // Controversial pairs of this split, with each attribute's preference: +1 first, -1 second, 0 none.
        var candidates = new List<Candidate>();
        foreach (var row in rows)
        {
            for (var i = 0; i < row.Completions.Count; i++)
            {
                for (var j = i + 1; j < row.Completions.Count; j++)
                {
                    var first = row.Completions[i];
                    var second = row.Completions[j];
                    if (string.Equals(first.Response, second.Response, StringComparison.Ordinal)) continue;
                    var prefs = new int[_attributes.Length];
                    for (var a = 0; a < _attributes.Length; a++)
                    {
                        prefs[a] = first.Ratings[a] is { } x && second.Ratings[a] is { } y ? Math.Sign(x - y) : 0;
                    }

                    if (prefs.Contains(1) && prefs.Contains(-1)) candidates.Add(new Candidate(row.Prompt, first.Response, second.Response, prefs));
                }
            }
        }

        var perUser = _options.ExamplesPerUser;
        var userCount = (total + perUser - 1) / perUser;
        var types = Enumerable.Range(0, userCount).Select(i => i % _attributes.Length).ToArray();
        random.Shuffle(types);
        var byType = Enumerable.Range(0, _attributes.Length)
            .Select(a => candidates.Where(c => c.Preferences[a] != 0).ToArray())
            .ToArray();
        var hints = _options.IncludeAttributeHints ? new ValueList<string>(_attributes.Select(DisplayName)) : null;
        var variant = (int)_options.Variant;

        var examples = new List<PreferenceExample>(total);
        for (var user = 0; user < userCount; user++)
        {
            var type = types[user];
            var attribute = _attributes[type];
            var pool = byType[type];
            var count = Math.Min(perUser, total - examples.Count);
            var contextIndices = SampleIdentifyingContext(split, pool, type, count, random);
            var context = new UserContext(new ValueList<PreferencePair>(contextIndices.Select(i => pool[i].Oriented(type))), null, hints);
            var taken = new HashSet<int>(contextIndices);
            var userId = string.Create(CultureInfo.InvariantCulture, $"ufp{variant}-{split}-{FieldName(attribute)}-{user:D5}");
            for (var j = 0; j < count; j++)
            {
                int pick;
                do pick = random.Next(pool.Length);
                while (!taken.Add(pick));
                examples.Add(new PreferenceExample(
                    userId, context, pool[pick].Oriented(type), OraclePreference(attribute), ExampleGroups.Controversial, FieldName(attribute)));
            }
        }

        return new ValueList<PreferenceExample>(examples);
    }

    private int[] SampleIdentifyingContext(string split, Candidate[] pool, int type, int targets, Random random)
    {
        var size = random.Next(_options.MinContextPairs, _options.MaxContextPairs + 1);
        if (pool.Length < size + targets)
        {
            throw new InvalidOperationException(
                $"The {split} prompts hold {pool.Length} controversial pair(s) ordered by {FieldName(_attributes[type])}, fewer than a context of {size} " +
                $"plus {targets} target(s); provide more UltraFeedback rows or lower MinContextPairs/MaxContextPairs/ExamplesPerUser.");
        }

        var indices = Enumerable.Range(0, pool.Length).ToArray();
        for (var attempt = 0; attempt < _options.MaxContextAttempts; attempt++)
        {
            // Partial Fisher-Yates: the first `size` entries are a uniform sample without replacement.
            for (var k = 0; k < size; k++)
            {
                var swap = random.Next(k, indices.Length);
                (indices[k], indices[swap]) = (indices[swap], indices[k]);
            }

            var sample = indices[..size];
            if (Identifies(pool, sample, type)) return sample;
        }

        throw new InvalidOperationException(
            $"No context of {size} {split} pair(s) identified user type '{FieldName(_attributes[type])}' after {_options.MaxContextAttempts} attempts " +
            "(every sample was also consistent with another user type); provide more UltraFeedback rows or raise MaxContextAttempts.");
    }

    private bool Identifies(Candidate[] pool, int[] sample, int type)
    {
        for (var other = 0; other < _attributes.Length; other++)
        {
            if (other == type) continue;
            var contradicted = false;
            foreach (var index in sample)
            {
                var candidate = pool[index];
                if (candidate.Preferences[other] == -candidate.Preferences[type])
                {
                    contradicted = true;
                    break;
                }
            }

            if (!contradicted) return false;
        }

        return true;
    }

    private sealed record Completion(string Response, double?[] Ratings);

    private sealed record Row(Conversation Prompt, List<Completion> Completions);

    private sealed record Candidate(Conversation Prompt, string First, string Second, int[] Preferences)
    {
        public PreferencePair Oriented(int type) =>
            Preferences[type] > 0 ? new PreferencePair(Prompt, First, Second) : new PreferencePair(Prompt, Second, First);
    }
}
