using System.Globalization;
using System.Text;
using P = Plus.Prompts.PromptPlaceholders;

namespace Plus.Prompts;

/// <summary>
/// Renders one domain's prompts (paper appendices D, E, F) from its <see cref="DomainPromptTemplates"/>.
/// The templates are checked once, in the constructor. Immutable and thread-safe.
/// </summary>
public sealed class PromptRenderer
{
    private readonly PromptTemplate _pair;
    private readonly PromptTemplate _summarizer;
    private readonly PromptTemplate _profile;
    private readonly PromptTemplate _attributes;
    private readonly PromptTemplate _summaryPrefix;
    private readonly PromptTemplate _oraclePrefix;
    private readonly PromptTemplate _iclPrefix;

    /// <summary>Creates a renderer over <paramref name="templates"/>.</summary>
    /// <param name="domain">The domain the templates belong to.</param>
    /// <param name="templates">The templates; null uses the paper's defaults for <paramref name="domain"/>.</param>
    /// <exception cref="ArgumentException">A template is invalid; the message names the option, such as <c>Plus:Prompts:Pets:Pair</c>.</exception>
    public PromptRenderer(PromptDomain domain, DomainPromptTemplates? templates = null)
    {
        templates ??= DomainPromptTemplates.CreateDefault(domain);
        var errors = templates.Validate(PromptTemplateOptions.PathOf(domain));
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(templates));
        var path = PromptTemplateOptions.PathOf(domain);
        Domain = domain;
        Templates = new DomainPromptTemplates
        {
            Pair = templates.Pair, Summarizer = templates.Summarizer, Profile = templates.Profile, Attributes = templates.Attributes,
            SummaryPrefix = templates.SummaryPrefix, OraclePrefix = templates.OraclePrefix, IclPrefix = templates.IclPrefix,
        };
        _pair = templates.Build(path, nameof(DomainPromptTemplates.Pair));
        _summarizer = templates.Build(path, nameof(DomainPromptTemplates.Summarizer));
        _profile = templates.Build(path, nameof(DomainPromptTemplates.Profile));
        _attributes = templates.Build(path, nameof(DomainPromptTemplates.Attributes));
        _summaryPrefix = templates.Build(path, nameof(DomainPromptTemplates.SummaryPrefix));
        _oraclePrefix = templates.Build(path, nameof(DomainPromptTemplates.OraclePrefix));
        _iclPrefix = templates.Build(path, nameof(DomainPromptTemplates.IclPrefix));
    }

    /// <summary>The domain whose templates this renderer uses.</summary>
    public PromptDomain Domain { get; }

    /// <summary>A copy of the templates this renderer uses (a trained model records them in its manifest).</summary>
    public DomainPromptTemplates Templates { get; }

    /// <summary>
    /// The summarizer's input for a user (appendix D) as one user turn, so that the backend applies its chat format.
    /// The profile and attribute sections appear where the domain's <see cref="DomainPromptTemplates.Summarizer"/>
    /// puts <c>{profile}</c> and <c>{attributes}</c> (by default: profile before the pairs, attributes after them).
    /// </summary>
    /// <param name="context">The user's context.</param>
    public Conversation RenderSummarizerPrompt(UserContext context) => Conversation.FromUser(RenderSummarizerText(context));

    /// <summary>The text of <see cref="RenderSummarizerPrompt(UserContext)"/>.</summary>
    /// <param name="context">The user's context.</param>
    public string RenderSummarizerText(UserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _summarizer.Render(ContextValues(context));
    }

    /// <summary>The past pairs, each rendered with the pair template (index from 0), concatenated.</summary>
    /// <param name="pairs">The pairs, oldest first.</param>
    public string RenderPairs(IReadOnlyList<PreferencePair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var builder = new StringBuilder();
        for (var i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i] ?? throw new ArgumentException($"Pair {i} is null.", nameof(pairs));
            builder.Append(_pair.Render(new Dictionary<string, string>
            {
                [P.Index] = i.ToString(CultureInfo.InvariantCulture),
                [P.Prompt] = ConversationText.Render(pair.Prompt),
                [P.Chosen] = pair.Chosen,
                [P.Rejected] = pair.Rejected,
            }));
        }

        return builder.ToString();
    }

    /// <summary>The summary-conditioning prefix (appendix D, last bullet) for <paramref name="summary"/>.</summary>
    /// <param name="summary">The summary text z.</param>
    public string RenderSummaryPrefix(string summary)
    {
        ArgumentNullException.ThrowIfNull(summary);
        return _summaryPrefix.Render(new Dictionary<string, string> { [P.Summary] = summary });
    }

    /// <summary>The Oracle prefix (appendix E) for the ground-truth preference text.</summary>
    /// <param name="oracleText">The preference text: for Pets a sentence, for UltraFeedback the attribute list, for PRISM the scores.</param>
    public string RenderOraclePrefix(string oracleText)
    {
        ArgumentNullException.ThrowIfNull(oracleText);
        return _oraclePrefix.Render(new Dictionary<string, string> { [P.Oracle] = oracleText });
    }

    /// <summary>The in-context-learning prefix (appendix F) holding the user's past pairs, profile and hints.</summary>
    /// <param name="context">The user's context.</param>
    public string RenderIclPrefix(UserContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return _iclPrefix.Render(ContextValues(context));
    }

    private Dictionary<string, string> ContextValues(UserContext context) => new()
    {
        [P.Pairs] = RenderPairs(context.Pairs),
        [P.Profile] = string.IsNullOrWhiteSpace(context.Profile)
            ? string.Empty
            : _profile.Render(new Dictionary<string, string> { [P.Profile] = context.Profile }),
        [P.Attributes] = context.AttributeHints is not { Count: > 0 } hints
            ? string.Empty
            : _attributes.Render(new Dictionary<string, string> { [P.Attributes] = string.Join(", ", hints) }),
    };
}
