using P = Plus.Prompts.PromptPlaceholders;

namespace Plus.Prompts;

/// <summary>
/// The prompt templates of one data domain (paper appendices D, E and F), as bindable options. Every property holds
/// a template with named placeholders (see <see cref="PromptPlaceholders"/>); the defaults are the paper's text
/// (see docs/prompts.md for the few places where it was normalized). Overrides are checked by
/// <see cref="Validate(string)"/> when the options are first read.
/// </summary>
public sealed class DomainPromptTemplates
{
    /// <summary>
    /// The opening of UltraFeedback's, PRISM's and the generic summarizer and ICL prompts (appendices D and F).
    /// </summary>
    public const string FirstPersonIntroduction =
        "In order to provide more information about myself, I'm including examples from my previous conversation history, "
        + "which include the prompt, the rejected response, and the chosen response. Use this information to learn about "
        + "my preferences and reflect that understanding in your future responses.\n\n";

    /// <summary>The summary-conditioning prefix of appendix D, last bullet (the same in every domain).</summary>
    public const string PaperSummaryPrefix =
        "Here is the summary of my preferences based on previous conversations: {summary}. "
        + "In the following conversation, keep this in mind to personalize your response.\n\n";

    private const string FirstPersonSummaryInstruction =
        "Based on this information, provide a short summary of the user's preferences to guide how the AI assistant should "
        + "respond in future conversations. Reflect on the user's past chosen and rejected responses, and what the user "
        + "preferred about the chosen responses. Do not focus on the topics of specific conversations. Keep your summary "
        + "concise--under 50 words. Start your response with ##Summary";

    private const string FirstPersonProfile = "Here is what I have said about my preferences: {profile}\n\n";

    private const string FirstPersonAttributes =
        "These attributes of an AI assistant's responses may matter to me: {attributes}. Work out which of them I value most.\n\n";

    /// <summary>
    /// One past pair, repeated for each pair of the context and concatenated into <c>{pairs}</c>.
    /// Placeholders: <c>{prompt}</c>, <c>{chosen}</c>, <c>{rejected}</c> (required), <c>{index}</c> (0-based, optional).
    /// </summary>
    public string Pair { get; set; } = string.Empty;

    /// <summary>
    /// The summarizer prompt (appendix D), sent as one user turn. Placeholders (all required): <c>{pairs}</c>,
    /// <c>{profile}</c> (the <see cref="Profile"/> section or empty), <c>{attributes}</c> (the <see cref="Attributes"/> section or empty).
    /// </summary>
    public string Summarizer { get; set; } = string.Empty;

    /// <summary>The section that carries <see cref="UserContext.Profile"/>; placeholder <c>{profile}</c> (required).</summary>
    public string Profile { get; set; } = string.Empty;

    /// <summary>The section that carries <see cref="UserContext.AttributeHints"/>; placeholder <c>{attributes}</c> (required, names joined by <c>", "</c>).</summary>
    public string Attributes { get; set; } = string.Empty;

    /// <summary>
    /// Prepended to the first user turn when a reward model or generator is conditioned on a summary (appendix D,
    /// last bullet); placeholder <c>{summary}</c> (required).
    /// </summary>
    public string SummaryPrefix { get; set; } = PaperSummaryPrefix;

    /// <summary>Prepended to the first user turn for the Oracle (appendix E); placeholder <c>{oracle}</c> (required).</summary>
    public string OraclePrefix { get; set; } = string.Empty;

    /// <summary>
    /// Prepended to the first user turn for in-context learning (appendix F). Placeholders (all required):
    /// <c>{pairs}</c>, <c>{profile}</c>, <c>{attributes}</c>, as in <see cref="Summarizer"/>.
    /// </summary>
    public string IclPrefix { get; set; } = string.Empty;

    /// <summary>The paper's Pets templates.</summary>
    public static DomainPromptTemplates CreatePets() => new()
    {
        Pair = "Here is a request of a user for an AI assistant.\n{prompt} The user chose {chosen} The user rejected {rejected}\n\n",
        Summarizer = "{profile}{pairs}{attributes}Based on the user's past conversation, provide a short summary of the user's preference. "
            + "Focus on the user's preference that should guide how the AI assistant responds to this user in future conversations. "
            + "Keep the summary concise under 50 words. Start your response with ##Summary",
        Profile = "The user's self-stated preferences: {profile}\n\n",
        Attributes = "Attributes of an AI assistant's responses that may matter to the user: {attributes}.\n\n",
        OraclePrefix = "{oracle}\n\n",
        IclPrefix = "Based on the user's past conversation, respond to the user's request in a way that aligns with the user's preference. "
            + "Conversation history: {profile}{pairs}{attributes}Start of a new conversation:\n\n",
    };

    /// <summary>The paper's UltraFeedback-P templates.</summary>
    public static DomainPromptTemplates CreateUltraFeedback() => new()
    {
        Pair = "The prompt was: {prompt}\n\n I chose this response: {chosen}\n\nI rejected this response: {rejected}\n\n",
        Summarizer = FirstPersonIntroduction + "{profile}{pairs}{attributes} " + FirstPersonSummaryInstruction,
        Profile = FirstPersonProfile,
        Attributes = FirstPersonAttributes,
        OraclePrefix = "I prioritize {oracle} in AI assistant's responses. Now based on this information about myself, here's a new question:\n\n",
        IclPrefix = FirstPersonIntroduction + "{profile}{pairs}{attributes}Here's a new conversation:\n\n",
    };

    /// <summary>The paper's PRISM templates.</summary>
    public static DomainPromptTemplates CreatePrism() => new()
    {
        Pair = "##Past conversation {index}##\n###Prompt###\n{prompt}\n###Chosen response###\n{chosen}\n###Rejected response###\n{rejected}\n\n",
        Summarizer = FirstPersonIntroduction + "{profile}{pairs}{attributes}" + FirstPersonSummaryInstruction,
        Profile = FirstPersonProfile,
        Attributes = FirstPersonAttributes,
        OraclePrefix = "I've scored the following attributes based on how much I care about each attribute. "
            + "A higher score indicates that this attribute is more important to me:\n{oracle}.\n"
            + "Now based on this information about myself, here's a new question:\n\n",
        IclPrefix = FirstPersonIntroduction + "{profile}{pairs}{attributes}Now based on this information about myself, here's a new question:\n\n",
    };

    /// <summary>The generic templates: UltraFeedback's wording, with an Oracle prefix that takes any preference text.</summary>
    public static DomainPromptTemplates CreateGeneric()
    {
        var templates = CreateUltraFeedback();
        templates.OraclePrefix = "{oracle} Now based on this information about myself, here's a new question:\n\n";
        return templates;
    }

    /// <summary>The paper's templates for <paramref name="domain"/>.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="domain"/> is not a defined value.</exception>
    public static DomainPromptTemplates CreateDefault(PromptDomain domain) => domain switch
    {
        PromptDomain.Pets => CreatePets(),
        PromptDomain.UltraFeedback => CreateUltraFeedback(),
        PromptDomain.Prism => CreatePrism(),
        PromptDomain.Generic => CreateGeneric(),
        _ => throw new ArgumentOutOfRangeException(nameof(domain), domain, "Expected Pets, UltraFeedback, Prism or Generic."),
    };

    /// <summary>Checks every template; each message names the option (<paramref name="path"/>:<c>Property</c>).</summary>
    /// <param name="path">The option path of this object, such as <c>Plus:Prompts:Pets</c>.</param>
    /// <returns>The problems found; empty when all templates are valid.</returns>
    public IReadOnlyList<string> Validate(string path)
    {
        var errors = new List<string>();
        foreach (var (name, text, required, optional) in Specs(this))
            errors.AddRange(PromptTemplate.Validate($"{path}:{name}", text, required, optional));
        return errors;
    }

    internal PromptTemplate Build(string path, string property)
    {
        var (name, text, required, optional) = Specs(this).Single(s => s.Name == property);
        return new PromptTemplate($"{path}:{name}", text ?? string.Empty, required, optional);
    }

    private static IEnumerable<(string Name, string? Text, string[] Required, string[] Optional)> Specs(DomainPromptTemplates t) =>
    [
        (nameof(Pair), t.Pair, [P.Prompt, P.Chosen, P.Rejected], [P.Index]),
        (nameof(Summarizer), t.Summarizer, [P.Pairs, P.Profile, P.Attributes], []),
        (nameof(Profile), t.Profile, [P.Profile], []),
        (nameof(Attributes), t.Attributes, [P.Attributes], []),
        (nameof(SummaryPrefix), t.SummaryPrefix, [P.Summary], []),
        (nameof(OraclePrefix), t.OraclePrefix, [P.Oracle], []),
        (nameof(IclPrefix), t.IclPrefix, [P.Pairs, P.Profile, P.Attributes], []),
    ];
}
