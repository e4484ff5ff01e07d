namespace Plus.Data;

/// <summary>Options of <see cref="PrismDatasetBuilder"/>. Defaults follow the PLUS paper (section 5, appendix B).</summary>
public sealed class PrismDatasetOptions
{
    /// <summary>Users with fewer conversations (that yield at least one pair) are left out. Default 6; at least 2.</summary>
    public int MinConversationsPerUser { get; set; } = 6;

    /// <summary>Users with fewer pairs in total are left out. Default 6.</summary>
    public int MinPairsPerUser { get; set; } = 6;

    /// <summary>Most conversations per user used for training and contexts (besides the held-out one). Default 5.</summary>
    public int MaxTrainConversations { get; set; } = 5;

    /// <summary>Past pairs per context (fewer when the user has fewer). Default 3.</summary>
    public int ContextPairs { get; set; } = 3;

    /// <summary>Test targets drawn from each user's held-out conversation. Default 1.</summary>
    public int TestPairsPerUser { get; set; } = 1;

    /// <summary>Whether contexts carry the stated-preference profile (the paper's "PRISM (+Profile)"). Default true.</summary>
    public bool IncludeProfile { get; set; } = true;

    /// <summary>Whether users without all eight stated-preference ratings are left out (the paper does). Default true.</summary>
    public bool RequireStatedPreferences { get; set; } = true;

    /// <summary>Seeds every random choice; the same seed and input give identical data. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(MinConversationsPerUser, 2, nameof(MinConversationsPerUser));
        ArgumentOutOfRangeException.ThrowIfNegative(MinPairsPerUser, nameof(MinPairsPerUser));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxTrainConversations, 1, nameof(MaxTrainConversations));
        ArgumentOutOfRangeException.ThrowIfNegative(ContextPairs, nameof(ContextPairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(TestPairsPerUser, 1, nameof(TestPairsPerUser));
    }
}
