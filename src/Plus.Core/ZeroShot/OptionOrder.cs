namespace Plus.ZeroShot;

/// <summary>
/// Draws whether the first response is shown as Option 1, with a <see cref="Random"/> seeded from the run's seed and a
/// stable hash of the query, so the draw depends only on (seed, prompt, first, second): never on call order or process.
/// </summary>
internal static class OptionOrder
{
    public static bool FirstIsOption1(int seed, Conversation prompt, string first, string second)
    {
        var hash = 14695981039346656037UL;
        Mix(ref hash, seed.ToString(System.Globalization.CultureInfo.InvariantCulture));
        foreach (var turn in prompt.Turns)
        {
            Mix(ref hash, turn.Role.Value);
            Mix(ref hash, turn.Content);
        }

        Mix(ref hash, first);
        Mix(ref hash, second);
        var random = new Random(unchecked((int)(hash ^ (hash >> 32))));
        return random.Next(2) == 0;
    }

    // FNV-1a over the UTF-16 code units, each string followed by its length so that ("ab","c") != ("a","bc").
    private static void Mix(ref ulong hash, string text)
    {
        foreach (var c in text)
        {
            hash ^= c;
            hash *= 1099511628211UL;
        }

        hash ^= (ulong)text.Length;
        hash *= 1099511628211UL;
    }
}
