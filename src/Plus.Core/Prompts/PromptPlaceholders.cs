namespace Plus.Prompts;

/// <summary>
/// The named placeholders a template may contain, written in braces (<c>{summary}</c>). Only these names are
/// placeholders: any other text in braces (a JSON example, say) is kept literally. Values are inserted in one pass,
/// so a value that itself contains <c>{summary}</c> is never expanded again.
/// </summary>
public static class PromptPlaceholders
{
    /// <summary><c>{summary}</c>: the user summary text z.</summary>
    public const string Summary = "summary";

    /// <summary><c>{pairs}</c>: the user's past pairs, each rendered with the domain's pair template, concatenated.</summary>
    public const string Pairs = "pairs";

    /// <summary><c>{prompt}</c>: a conversation as text (a single user turn is its text; several turns are <c>User: ...</c> lines).</summary>
    public const string Prompt = "prompt";

    /// <summary><c>{chosen}</c>: the chosen response of a past pair.</summary>
    public const string Chosen = "chosen";

    /// <summary><c>{rejected}</c>: the rejected response of a past pair.</summary>
    public const string Rejected = "rejected";

    /// <summary><c>{index}</c>: the 0-based position of a past pair in the context (the paper's PRISM prompt starts at 0).</summary>
    public const string Index = "index";

    /// <summary><c>{profile}</c>: in a profile template, the profile text; in a summarizer or ICL template, the rendered profile section (empty when there is no profile).</summary>
    public const string Profile = "profile";

    /// <summary><c>{attributes}</c>: in an attributes template, the hint names joined by <c>", "</c>; in a summarizer or ICL template, the rendered attributes section (empty when there are no hints).</summary>
    public const string Attributes = "attributes";

    /// <summary><c>{oracle}</c>: the ground-truth preference text (<see cref="UserConditioning.OracleText"/>).</summary>
    public const string Oracle = "oracle";

    /// <summary><c>{conversation}</c>: the conversation being judged, as text (same rendering as <c>{prompt}</c>).</summary>
    public const string Conversation = "conversation";

    /// <summary><c>{option1}</c>: the response shown to the judge as Option 1.</summary>
    public const string Option1 = "option1";

    /// <summary><c>{option2}</c>: the response shown to the judge as Option 2.</summary>
    public const string Option2 = "option2";

    /// <summary>Every placeholder name.</summary>
    public static IReadOnlyList<string> All { get; } =
        [Summary, Pairs, Prompt, Chosen, Rejected, Index, Profile, Attributes, Oracle, Conversation, Option1, Option2];
}
