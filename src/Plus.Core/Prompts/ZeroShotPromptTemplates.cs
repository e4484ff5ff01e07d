using P = Plus.Prompts.PromptPlaceholders;

namespace Plus.Prompts;

/// <summary>
/// The zero-shot templates of paper appendix G (LLM-as-judge and personalized generation through any chat model),
/// as bindable options. Defaults are the paper's text (see docs/prompts.md for the normalized places).
/// </summary>
public sealed class ZeroShotPromptTemplates
{
    private const string JudgeQuestion =
        "Here's a previous conversation between the user and the AI assistant: {conversation} Decide which response the user "
        + "would prefer-option 1 or option 2. Option 1 is: {option1} Option 2 is: {option2} Respond with Option 1 or Option 2 "
        + "based on what you know about the user.";

    /// <summary>The judge's system prompt; empty sends no system message.</summary>
    public string JudgeSystem { get; set; } = "You are a helpful assistant.";

    /// <summary>
    /// The judge's user prompt without a summary. Placeholders (all required): <c>{conversation}</c>,
    /// <c>{option1}</c>, <c>{option2}</c>.
    /// </summary>
    public string JudgeUser { get; set; } = JudgeQuestion;

    /// <summary>
    /// The judge's user prompt with a summary. Placeholders (all required): <c>{conversation}</c>,
    /// <c>{option1}</c>, <c>{option2}</c>, <c>{summary}</c>.
    /// </summary>
    public string JudgeUserWithSummary { get; set; } = JudgeQuestion
        + " Here's a summary about the user's preference based on past conversation: {summary} "
        + "Based on this information about the user, predict which response they would prefer.";

    /// <summary>The generator's system prompt; empty sends no system message.</summary>
    public string GenerationSystem { get; set; } = "You are a helpful assistant. Keep your response short-under 100 words.";

    /// <summary>The last user turn sent to the generator without a summary; placeholder <c>{prompt}</c> (required, that turn's text).</summary>
    public string GenerationUser { get; set; } = "{prompt}";

    /// <summary>
    /// The last user turn sent to the generator with a summary. Placeholders (all required): <c>{prompt}</c>
    /// (that turn's text) and <c>{summary}</c>.
    /// </summary>
    public string GenerationUserWithSummary { get; set; } =
        "{prompt} Personalize your response based on the following summary about the user's preference: {summary}";

    /// <summary>Checks every template; each message names the option (<paramref name="path"/>:<c>Property</c>).</summary>
    /// <param name="path">The option path of this object, such as <c>Plus:Prompts:ZeroShot</c>.</param>
    /// <returns>The problems found; empty when all templates are valid.</returns>
    public IReadOnlyList<string> Validate(string path)
    {
        var errors = new List<string>();
        foreach (var (name, text, required) in Specs(this))
            errors.AddRange(PromptTemplate.Validate($"{path}:{name}", text, required, []));
        return errors;
    }

    internal PromptTemplate Build(string path, string property)
    {
        var (name, text, required) = Specs(this).Single(s => s.Name == property);
        return new PromptTemplate($"{path}:{name}", text ?? string.Empty, required);
    }

    private static IEnumerable<(string Name, string? Text, string[] Required)> Specs(ZeroShotPromptTemplates t) =>
    [
        (nameof(JudgeSystem), t.JudgeSystem, []),
        (nameof(JudgeUser), t.JudgeUser, [P.Conversation, P.Option1, P.Option2]),
        (nameof(JudgeUserWithSummary), t.JudgeUserWithSummary, [P.Conversation, P.Option1, P.Option2, P.Summary]),
        (nameof(GenerationSystem), t.GenerationSystem, []),
        (nameof(GenerationUser), t.GenerationUser, [P.Prompt]),
        (nameof(GenerationUserWithSummary), t.GenerationUserWithSummary, [P.Prompt, P.Summary]),
    ];
}
