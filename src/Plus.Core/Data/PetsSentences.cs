using System.Text.Json;

namespace Plus.Data;

/// <summary>
/// The Pets sentence pools from VPL (WEIRDLabUW/vpl_llm, <c>simple_templates.py</c>), embedded in Plus.Core:
/// 83 bird, 95 cat, 93 dog and 90 rabbit sentences, in VPL's order. Immutable and thread-safe.
/// </summary>
public sealed class PetsSentences
{
    private const string ResourceName = "Plus.Data.Resources.pets_sentences.json";
    private static readonly Lazy<PetsSentences> Embedded = new(LoadEmbedded);
    private readonly IReadOnlyDictionary<PetAnimal, IReadOnlyList<string>> _pools;

    /// <summary>Creates pools from explicit lists (for tests or other sentence sets).</summary>
    /// <param name="pools">One non-empty list per animal; all four animals are required.</param>
    /// <exception cref="ArgumentException">An animal is missing or its list is empty.</exception>
    public PetsSentences(IReadOnlyDictionary<PetAnimal, IReadOnlyList<string>> pools)
    {
        ArgumentNullException.ThrowIfNull(pools);
        var copy = new Dictionary<PetAnimal, IReadOnlyList<string>>();
        foreach (var animal in Enum.GetValues<PetAnimal>())
        {
            if (!pools.TryGetValue(animal, out var list) || list is null || list.Count == 0)
            {
                throw new ArgumentException($"The sentence pool for '{animal}' is missing or empty.", nameof(pools));
            }

            copy[animal] = list.ToArray();
        }

        _pools = copy;
    }

    /// <summary>The sentences embedded in Plus.Core (loaded once).</summary>
    public static PetsSentences Default => Embedded.Value;

    /// <summary>The sentences about <paramref name="animal"/>, in source order.</summary>
    /// <param name="animal">The animal.</param>
    public IReadOnlyList<string> this[PetAnimal animal] => _pools[animal];

    private static PetsSentences LoadEmbedded()
    {
        using var stream = typeof(PetsSentences).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing from Plus.Core.");
        using var document = JsonDocument.Parse(stream);
        var pools = new Dictionary<PetAnimal, IReadOnlyList<string>>();
        foreach (var animal in Enum.GetValues<PetAnimal>())
        {
            var key = animal.ToString().ToLowerInvariant() + "_sentences";
            pools[animal] = document.RootElement.GetProperty(key).EnumerateArray().Select(e => e.GetString()!).ToArray();
        }

        return new PetsSentences(pools);
    }
}
