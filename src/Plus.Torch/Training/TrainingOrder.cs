namespace Plus.Torch.Training;

/// <summary>
/// How <see cref="TrainingLoop"/> draws each epoch's order of examples from the seed. Two schemes exist so that the
/// documented results of the Bradley-Terry methods (BTL, ICL, Oracle on the tiny models, where ICL's outcome depends on
/// the order) and of PLUS reproduce exactly as they were measured before the trainers shared the loop.
/// </summary>
public enum TrainingOrder
{
    /// <summary>Epoch <c>e</c>: every index gets a key from <c>Seeding.CreateRandom(seed, 1_000_000 + e)</c>, sorted by key (PLUS, PLUS-untrained; the default).</summary>
    RandomKeys = 0,

    /// <summary>Epoch <c>e</c>: a Fisher-Yates shuffle (<c>Random.Shuffle</c>) from <c>Seeding.CreateRandom(seed, e)</c> (the Bradley-Terry trainer).</summary>
    Shuffle = 1,
}
