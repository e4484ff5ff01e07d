namespace Plus.Data;

/// <summary>
/// A training set and a test set of examples. Immutable; compares by content (element by element, in order).
/// </summary>
/// <param name="Train">The training examples.</param>
/// <param name="Test">The test examples.</param>
public sealed record DatasetSplit(ValueList<PreferenceExample> Train, ValueList<PreferenceExample> Test)
{
    /// <summary>
    /// Splits <paramref name="examples"/> by user: every user's examples go wholly to one side, so no user's target
    /// pairs (nor contexts) appear on both sides. The users are shuffled with <paramref name="seed"/> and the first
    /// <c>round(testFraction × users)</c> go to the test set; example order within each side is kept. Deterministic:
    /// the same input and seed give the same split.
    /// </summary>
    /// <param name="examples">The examples to split.</param>
    /// <param name="testFraction">The fraction of users held out, in [0, 1].</param>
    /// <param name="seed">Seeds the user shuffle.</param>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="testFraction"/> is outside [0, 1].</exception>
    public static DatasetSplit ByUser(IEnumerable<PreferenceExample> examples, double testFraction, int seed)
    {
        ArgumentNullException.ThrowIfNull(examples);
        if (!(testFraction >= 0 && testFraction <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(testFraction), testFraction, "The test fraction must be in [0, 1].");
        }

        var list = examples.ToList();
        var users = list.Select(e => e.UserId).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToArray();
        new Random(seed).Shuffle(users);
        var testCount = (int)Math.Round(testFraction * users.Length, MidpointRounding.AwayFromZero);
        var testUsers = new HashSet<string>(users.Take(testCount), StringComparer.Ordinal);
        return new DatasetSplit(
            new ValueList<PreferenceExample>(list.Where(e => !testUsers.Contains(e.UserId))),
            new ValueList<PreferenceExample>(list.Where(e => testUsers.Contains(e.UserId))));
    }
}
