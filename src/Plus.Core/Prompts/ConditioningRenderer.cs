using Microsoft.Extensions.AI;

namespace Plus.Prompts;

/// <summary>
/// Renders what a reward model (or generator) reads for a <see cref="RewardQuery"/>: the prompt with the user
/// conditioning written into its first user turn. One code path for every <see cref="ConditioningKind"/>:
/// <list type="bullet">
/// <item><see cref="ConditioningKind.None"/>: the prompt unchanged (BTL).</item>
/// <item><see cref="ConditioningKind.Summary"/>: the summary prefix (appendix D, last bullet).</item>
/// <item><see cref="ConditioningKind.Context"/>: the ICL prefix with the past pairs (appendix F).</item>
/// <item><see cref="ConditioningKind.Oracle"/>: the Oracle prefix (appendix E).</item>
/// </list>
/// Immutable and thread-safe.
/// </summary>
public sealed class ConditioningRenderer
{
    /// <summary>Creates a renderer over one domain's prompts.</summary>
    /// <param name="prompts">The domain's prompt renderer.</param>
    public ConditioningRenderer(PromptRenderer prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        Prompts = prompts;
    }

    /// <summary>The domain prompts used for the prefixes.</summary>
    public PromptRenderer Prompts { get; }

    /// <summary>The conditioned prompt of <paramref name="query"/> (its response is not included).</summary>
    /// <param name="query">The query to render.</param>
    public Conversation Render(RewardQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Render(query.Prompt, query.Conditioning);
    }

    /// <summary>
    /// Returns <paramref name="prompt"/> with the conditioning's prefix prepended to its first user turn; other turns,
    /// system turns included, are kept as they are.
    /// </summary>
    /// <param name="prompt">The conversation; must contain a user turn unless the conditioning is <see cref="ConditioningKind.None"/>.</param>
    /// <param name="conditioning">What the model is told about the user.</param>
    /// <exception cref="ArgumentException">The prompt has no user turn to prefix.</exception>
    public Conversation Render(Conversation prompt, UserConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(conditioning);
        var prefix = RenderPrefix(conditioning);
        if (prefix.Length == 0) return prompt;

        var turns = prompt.Turns.ToArray();
        var first = Array.FindIndex(turns, t => t.Role == ChatRole.User);
        if (first < 0)
            throw new ArgumentException($"The prompt has no user turn to carry the {conditioning.Kind} conditioning.", nameof(prompt));
        turns[first] = turns[first] with { Content = prefix + turns[first].Content };
        return new Conversation(new ValueList<ChatTurn>(turns));
    }

    /// <summary>The text prepended to the first user turn for <paramref name="conditioning"/>; empty for <see cref="ConditioningKind.None"/>.</summary>
    /// <param name="conditioning">What the model is told about the user.</param>
    public string RenderPrefix(UserConditioning conditioning)
    {
        ArgumentNullException.ThrowIfNull(conditioning);
        return conditioning.Kind switch
        {
            ConditioningKind.None => string.Empty,
            ConditioningKind.Summary => Prompts.RenderSummaryPrefix(conditioning.Summary!.Text),
            ConditioningKind.Context => Prompts.RenderIclPrefix(conditioning.Context!),
            ConditioningKind.Oracle => Prompts.RenderOraclePrefix(conditioning.OracleText!),
            _ => throw new ArgumentOutOfRangeException(nameof(conditioning), conditioning.Kind, "Unknown conditioning kind."),
        };
    }
}
