using Microsoft.Extensions.AI;
using P = Plus.Prompts.PromptPlaceholders;

namespace Plus.Prompts;

/// <summary>
/// Renders the zero-shot messages of paper appendix G for any <see cref="IChatClient"/>: the LLM-as-judge question and
/// the personalized-generation request, each with or without a user summary. Immutable and thread-safe.
/// </summary>
public sealed class ZeroShotPromptRenderer
{
    private readonly PromptTemplate _judgeSystem;
    private readonly PromptTemplate _judgeUser;
    private readonly PromptTemplate _judgeUserWithSummary;
    private readonly PromptTemplate _generationSystem;
    private readonly PromptTemplate _generationUser;
    private readonly PromptTemplate _generationUserWithSummary;

    /// <summary>Creates a renderer over <paramref name="templates"/> (null: the paper's).</summary>
    /// <exception cref="ArgumentException">A template is invalid; the message names the option, such as <c>Plus:Prompts:ZeroShot:JudgeUser</c>.</exception>
    public ZeroShotPromptRenderer(ZeroShotPromptTemplates? templates = null)
    {
        templates ??= new ZeroShotPromptTemplates();
        const string path = PromptTemplateOptions.Path + ":" + nameof(PromptTemplateOptions.ZeroShot);
        var errors = templates.Validate(path);
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(templates));
        _judgeSystem = templates.Build(path, nameof(ZeroShotPromptTemplates.JudgeSystem));
        _judgeUser = templates.Build(path, nameof(ZeroShotPromptTemplates.JudgeUser));
        _judgeUserWithSummary = templates.Build(path, nameof(ZeroShotPromptTemplates.JudgeUserWithSummary));
        _generationSystem = templates.Build(path, nameof(ZeroShotPromptTemplates.GenerationSystem));
        _generationUser = templates.Build(path, nameof(ZeroShotPromptTemplates.GenerationUser));
        _generationUserWithSummary = templates.Build(path, nameof(ZeroShotPromptTemplates.GenerationUserWithSummary));
    }

    /// <summary>
    /// The judge's messages: the system prompt (unless empty) and one user turn asking which option the user prefers.
    /// </summary>
    /// <param name="conversation">The conversation the options answer (rendered as text).</param>
    /// <param name="option1">The response shown as Option 1.</param>
    /// <param name="option2">The response shown as Option 2.</param>
    /// <param name="summary">The user summary, or null for the prompt without personalization.</param>
    public IList<ChatMessage> RenderJudge(Conversation conversation, string option1, string option2, string? summary)
    {
        ArgumentNullException.ThrowIfNull(conversation);
        ArgumentNullException.ThrowIfNull(option1);
        ArgumentNullException.ThrowIfNull(option2);
        var values = new Dictionary<string, string>
        {
            [P.Conversation] = ConversationText.Render(conversation),
            [P.Option1] = option1,
            [P.Option2] = option2,
        };
        if (summary is not null) values[P.Summary] = summary;
        var user = (summary is null ? _judgeUser : _judgeUserWithSummary).Render(values);
        var messages = new List<ChatMessage>();
        if (_judgeSystem.Text.Length > 0) messages.Add(new ChatMessage(ChatRole.System, _judgeSystem.Text));
        messages.Add(new ChatMessage(ChatRole.User, user));
        return messages;
    }

    /// <summary>
    /// The generator's messages (Algorithm 3): the system prompt (unless empty), then the conversation's turns with its
    /// last user turn rewritten by the generation template (with the summary when one is given).
    /// </summary>
    /// <param name="prompt">The conversation to answer; must contain a user turn.</param>
    /// <param name="summary">The user summary, or null for the prompt without personalization.</param>
    /// <exception cref="ArgumentException"><paramref name="prompt"/> has no user turn.</exception>
    public IList<ChatMessage> RenderGeneration(Conversation prompt, string? summary)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        var turns = prompt.Turns;
        var last = -1;
        for (var i = turns.Count - 1; i >= 0; i--)
        {
            if (turns[i].Role == ChatRole.User) { last = i; break; }
        }

        if (last < 0) throw new ArgumentException("The prompt has no user turn to answer.", nameof(prompt));
        var messages = new List<ChatMessage>();
        if (_generationSystem.Text.Length > 0) messages.Add(new ChatMessage(ChatRole.System, _generationSystem.Text));
        for (var i = 0; i < turns.Count; i++)
        {
            if (i != last)
            {
                messages.Add(turns[i].ToChatMessage());
                continue;
            }

            var values = new Dictionary<string, string> { [P.Prompt] = turns[i].Content };
            if (summary is not null) values[P.Summary] = summary;
            messages.Add(new ChatMessage(ChatRole.User, (summary is null ? _generationUser : _generationUserWithSummary).Render(values)));
        }

        return messages;
    }
}
