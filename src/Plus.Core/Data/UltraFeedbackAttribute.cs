namespace Plus.Data;

/// <summary>The four fine-grained ratings of UltraFeedback, one per UF-P user type.</summary>
public enum UltraFeedbackAttribute
{
    /// <summary><c>helpfulness</c>.</summary>
    Helpfulness = 0,

    /// <summary><c>honesty</c>.</summary>
    Honesty = 1,

    /// <summary><c>instruction_following</c> (written "instruction-following" in prompts).</summary>
    InstructionFollowing = 2,

    /// <summary><c>truthfulness</c>.</summary>
    Truthfulness = 3,
}
