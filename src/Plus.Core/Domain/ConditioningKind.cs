namespace Plus;

/// <summary>How a reward model is conditioned on the user (one code path, the variant is data).</summary>
public enum ConditioningKind
{
    /// <summary>No user information: the standard Bradley-Terry model (BTL).</summary>
    None = 0,

    /// <summary>A text summary of the user's preferences (PLUS, paper appendix D, last bullet).</summary>
    Summary = 1,

    /// <summary>The user's past pairs written into the prompt (in-context learning, appendix F).</summary>
    Context = 2,

    /// <summary>The ground-truth preference text (Oracle, appendix E).</summary>
    Oracle = 3,
}
