using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Plus.Prompts;

namespace Plus.ZeroShot;

/// <summary>
/// LLM-as-judge through any <see cref="IChatClient"/> (paper section 6.4 and appendix G; Algorithm 2 with the judge in
/// place of the reward model). The two responses are shown as Option 1 and Option 2 in an order drawn from the seed and
/// the query, the same with and without a summary. The answer is read as "Option 1" or "Option 2" (case and punctuation
/// ignored); an answer that names neither, or both without starting with one, gives probability 0.5 and a logged warning.
/// </summary>
/// <remarks>
/// <see cref="PreferencePrediction.ProbabilityFirst"/> is 1 when the judge picks the first response, 0 when it picks
/// the second and 0.5 when its answer is unclear; the rewards are 1 for the picked response and 0 for the other
/// (both 0 when unclear). Thread-safe when the chat client and summarizer are.
/// </remarks>
public sealed class ChatClientPreferenceJudge : IPreferencePredictor
{
    private const int DefaultSeed = 42;
    private readonly IChatClient _chatClient;
    private readonly ZeroShotPromptRenderer _prompts;
    private readonly ChatClientJudgeOptions _options;
    private readonly IUserSummarizer? _summarizer;
    private readonly ILogger _logger;

    /// <summary>Creates a judge.</summary>
    /// <param name="chatClient">The chat model that judges.</param>
    /// <param name="prompts">The appendix G prompts (null: the paper's).</param>
    /// <param name="options">Seed and chat options (null: defaults).</param>
    /// <param name="summarizer">Writes a summary when none is passed (null: judge without one in that case).</param>
    /// <param name="logger">Receives a warning for each unclear answer.</param>
    public ChatClientPreferenceJudge(
        IChatClient chatClient,
        ZeroShotPromptRenderer? prompts = null,
        ChatClientJudgeOptions? options = null,
        IUserSummarizer? summarizer = null,
        ILogger<ChatClientPreferenceJudge>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
        _prompts = prompts ?? new ZeroShotPromptRenderer();
        _options = options ?? new ChatClientJudgeOptions();
        _summarizer = summarizer;
        _logger = (ILogger?)logger ?? NullLogger.Instance;
    }

    /// <summary>The seed of the option-order draw.</summary>
    public int Seed => _options.Seed ?? DefaultSeed;

    /// <summary>
    /// True when <paramref name="first"/> is shown as Option 1 for this query; depends only on <see cref="Seed"/>,
    /// the prompt and the two responses.
    /// </summary>
    /// <param name="prompt">The conversation.</param>
    /// <param name="first">The first response.</param>
    /// <param name="second">The second response.</param>
    public bool ShowsFirstAsOption1(Conversation prompt, string first, string second)
    {
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        return OptionOrder.FirstIsOption1(Seed, prompt, first, second);
    }

    /// <inheritdoc />
    /// <remarks>
    /// Without <paramref name="summary"/>, the context is summarized when a summarizer is configured,
    /// <see cref="ChatClientJudgeOptions.SummarizeWhenMissing"/> is true and the context holds pairs, a profile or hints;
    /// otherwise the judge gets the prompt without personalization and the result's summary is null.
    /// </remarks>
    public async Task<PreferencePrediction> PredictAsync(
        UserContext context, Conversation prompt, string first, string second,
        UserSummary? summary = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        cancellationToken.ThrowIfCancellationRequested();

        var used = await SummaryResolution.ResolveAsync(
            summary, context, _options.SummarizeWhenMissing ? _summarizer : null, cancellationToken).ConfigureAwait(false);
        var firstIsOption1 = ShowsFirstAsOption1(prompt, first, second);
        var messages = firstIsOption1
            ? _prompts.RenderJudge(prompt, first, second, used?.Text)
            : _prompts.RenderJudge(prompt, second, first, used?.Text);
        var response = await _chatClient.GetResponseAsync(messages, _options.ToChatOptions(), cancellationToken).ConfigureAwait(false);
        var answer = response.Text;

        var option = JudgeAnswerParser.Parse(answer);
        if (option is null)
        {
            _logger.LogWarning(
                "The judge's answer names neither Option 1 nor Option 2 clearly; predicting 0.5. Answer: {Answer}", answer);
            return new PreferencePrediction(0.5, 0f, 0f, used);
        }

        var picksFirst = (option == 1) == firstIsOption1;
        return picksFirst
            ? new PreferencePrediction(1.0, 1f, 0f, used)
            : new PreferencePrediction(0.0, 0f, 1f, used);
    }
}
