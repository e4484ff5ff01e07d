using System.Globalization;

namespace Plus.Data;

/// <summary>
/// Builds users, contexts and a by-user train/test split from imported preference rows: from a user-id field, or by
/// synthesizing users per user type as VPL does.
/// </summary>
/// <remarks>
/// <para>Both methods are deterministic for the same rows, options and seed, and never put a row into the context of
/// the example whose target it is (nor a row with the same pair). Thread-safe.</para>
/// </remarks>
public static class ImportedUsers
{
    /// <summary>
    /// Users from a user-id field (<see cref="ImportedPreferenceRow.Key"/>): every row of a user is one of the user's
    /// targets, and its context is up to <paramref name="contextPairs"/> of the user's other rows (sampled, kept in
    /// file order), never the target itself. Users with fewer other rows get shorter contexts. The users are then split
    /// with <see cref="DatasetSplit.ByUser"/>, so no user is on both sides.
    /// </summary>
    /// <param name="rows">The rows, each with a user id in <see cref="ImportedPreferenceRow.Key"/>.</param>
    /// <param name="contextPairs">The most past pairs per context, at least 0.</param>
    /// <param name="testFraction">The fraction of users held out, in [0, 1].</param>
    /// <param name="seed">Seeds the context sampling and the user shuffle.</param>
    /// <exception cref="ArgumentException">A row has no user id (the message names its file and line).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="contextPairs"/> is negative or <paramref name="testFraction"/> is outside [0, 1].</exception>
    public static DatasetSplit ByUserId(IReadOnlyList<ImportedPreferenceRow> rows, int contextPairs, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfNegative(contextPairs);
        CheckFraction(testFraction);
        var random = new Random(seed);
        var examples = new List<PreferenceExample>(rows.Count);
        var byUser = rows.Select((row, index) => (Row: row, Index: index))
            .GroupBy(x => RequireKey(x.Row, rows), StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => g.ToArray(), StringComparer.Ordinal);
        foreach (var (row, index) in rows.Select((row, index) => (row, index)))
        {
            var user = byUser[row.Key!];
            var others = user.Where(x => x.Index != index && x.Row.Pair != row.Pair).Select(x => x.Row).DistinctBy(r => r.Pair).ToArray();
            var context = Sample(others, Math.Min(contextPairs, others.Length), random);
            examples.Add(new PreferenceExample(row.Key!, new UserContext(context), row.Pair, Group: row.Group));
        }

        return DatasetSplit.ByUser(examples, testFraction, seed);
    }

    /// <summary>
    /// Synthesized users per user type (<see cref="ImportedPreferenceRow.Key"/>), as VPL builds them: the rows of each
    /// type are shuffled and <c>round(testFraction × rows)</c> of them are held out for the test set; every row then
    /// becomes one example of its own user (id <c>TYPE-NNNNN</c>, user type <c>TYPE</c>) whose context is
    /// <paramref name="contextPairs"/> other rows of the same type drawn from the same side of the split, never the
    /// target (nor a row with the same pair). No row of one side appears anywhere on the other side.
    /// </summary>
    /// <param name="rows">The rows, each with a user type in <see cref="ImportedPreferenceRow.Key"/>.</param>
    /// <param name="contextPairs">The past pairs per context, at least 1.</param>
    /// <param name="testFraction">The fraction of each type's rows held out, in [0, 1].</param>
    /// <param name="seed">Seeds the split and the context sampling.</param>
    /// <exception cref="ArgumentException">A row has no user type (the message names its file and line).</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="contextPairs"/> is below 1 or <paramref name="testFraction"/> is outside [0, 1].</exception>
    /// <exception cref="InvalidOperationException">A type has too few distinct rows on one side for <paramref name="contextPairs"/>; the message names the type and side.</exception>
    public static DatasetSplit ByUserType(IReadOnlyList<ImportedPreferenceRow> rows, int contextPairs, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(rows);
        ArgumentOutOfRangeException.ThrowIfLessThan(contextPairs, 1);
        CheckFraction(testFraction);
        var random = new Random(seed);
        var isTest = new bool[rows.Count];
        var types = rows.Select((row, index) => (Row: row, Index: index))
            .GroupBy(x => RequireKey(x.Row, rows), StringComparer.Ordinal)
            .OrderBy(g => g.Key, StringComparer.Ordinal)
            .ToArray();
        foreach (var type in types)
        {
            var indices = type.Select(x => x.Index).ToArray();
            random.Shuffle(indices);
            var testCount = (int)Math.Round(testFraction * indices.Length, MidpointRounding.AwayFromZero);
            foreach (var index in indices.Take(testCount)) isTest[index] = true;
        }

        var pools = types.ToDictionary(
            g => g.Key,
            g => (Train: g.Where(x => !isTest[x.Index]).ToArray(), Test: g.Where(x => isTest[x.Index]).ToArray()),
            StringComparer.Ordinal);
        var train = new List<PreferenceExample>();
        var test = new List<PreferenceExample>();
        var counters = new Dictionary<string, int>(StringComparer.Ordinal);
        for (var index = 0; index < rows.Count; index++)
        {
            var row = rows[index];
            var type = row.Key!;
            var side = isTest[index] ? pools[type].Test : pools[type].Train;
            var others = side.Where(x => x.Index != index && x.Row.Pair != row.Pair).Select(x => x.Row).DistinctBy(r => r.Pair).ToArray();
            if (others.Length < contextPairs)
            {
                var sideName = isTest[index] ? "test" : "training";
                throw new InvalidOperationException(
                    $"User type '{type}' has {side.Length} row(s) on the {sideName} side; {row.Source} line {row.LineNumber} " +
                    $"has only {others.Length} other distinct row(s) there to draw {contextPairs} context pair(s) from. " +
                    "Lower --context-pairs, change --test-fraction, or add rows of that type.");
            }

            counters[type] = counters.GetValueOrDefault(type) + 1;
            var userId = string.Create(CultureInfo.InvariantCulture, $"{type}-{counters[type]:D5}");
            var example = new PreferenceExample(userId, new UserContext(Sample(others, contextPairs, random)), row.Pair, Group: row.Group, UserType: type);
            (isTest[index] ? test : train).Add(example);
        }

        return new DatasetSplit(new ValueList<PreferenceExample>(train), new ValueList<PreferenceExample>(test));
    }

    private static ValueList<PreferencePair> Sample(ImportedPreferenceRow[] candidates, int count, Random random)
    {
        var order = Enumerable.Range(0, candidates.Length).ToArray();
        random.Shuffle(order);
        return new ValueList<PreferencePair>(order.Take(count).Order().Select(i => candidates[i].Pair));
    }

    private static string RequireKey(ImportedPreferenceRow row, IReadOnlyList<ImportedPreferenceRow> rows) =>
        row.Key ?? throw new ArgumentException($"{row.Source} line {row.LineNumber} has no user id or user type.", nameof(rows));

    private static void CheckFraction(double testFraction)
    {
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        }
    }
}
