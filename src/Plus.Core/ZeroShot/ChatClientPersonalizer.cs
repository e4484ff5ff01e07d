using Microsoft.Extensions.AI;
using Plus.Prompts;

namespace Plus.ZeroShot;

/// <summary>
/// Personalized generation through any <see cref="IChatClient"/> (paper Algorithm 3 with the appendix G prompt), and
/// best-of-N (Algorithms 2 + 3) when more than one candidate is asked for: the candidates are ranked by an
/// <see cref="IRewardModel"/> conditioned on the same summary, and the highest reward wins (the earliest on ties).
/// Thread-safe when the chat client, summarizer and reward model are.
/// </summary>
public sealed class ChatClientPersonalizer : IResponsePersonalizer
{
    private readonly IChatClient _chatClient;
    private readonly ZeroShotPromptRenderer _prompts;
    private readonly ChatClientPersonalizerOptions _options;
    private readonly IUserSummarizer? _summarizer;
    private readonly IRewardModel? _rewardModel;

    /// <summary>Creates a personalizer.</summary>
    /// <param name="chatClient">The chat model that generates.</param>
    /// <param name="prompts">The appendix G prompts (null: the paper's).</param>
    /// <param name="options">Chat options (null: the client's defaults).</param>
    /// <param name="summarizer">Writes the summary when none is passed.</param>
    /// <param name="rewardModel">Ranks candidates for best-of-N; needed only when more than one candidate is asked for.</param>
    public ChatClientPersonalizer(
        IChatClient chatClient,
        ZeroShotPromptRenderer? prompts = null,
        ChatClientPersonalizerOptions? options = null,
        IUserSummarizer? summarizer = null,
        IRewardModel? rewardModel = null)
    {
        ArgumentNullException.ThrowIfNull(chatClient);
        _chatClient = chatClient;
        _prompts = prompts ?? new ZeroShotPromptRenderer();
        _options = options ?? new ChatClientPersonalizerOptions();
        _summarizer = summarizer;
        _rewardModel = rewardModel;
    }

    /// <inheritdoc />
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="candidates"/> is below 1.</exception>
    /// <exception cref="ArgumentException">
    /// <paramref name="candidates"/> is above 1 and no reward model was given, or no summary was passed and no
    /// summarizer was given.
    /// </exception>
    public async Task<PersonalizedResponse> PersonalizeAsync(
        UserContext context, Conversation prompt, int candidates = 1,
        UserSummary? summary = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentOutOfRangeException.ThrowIfLessThan(candidates, 1);
        if (candidates > 1 && _rewardModel is null)
            throw new ArgumentException(
                $"Best-of-N with {candidates} candidates needs an IRewardModel to rank them; pass one to the {nameof(ChatClientPersonalizer)} constructor or ask for 1 candidate.",
                nameof(candidates));
        if (summary is null && _summarizer is null)
            throw new ArgumentException(
                $"No summary was passed and the {nameof(ChatClientPersonalizer)} has no IUserSummarizer to write one.", nameof(summary));
        cancellationToken.ThrowIfCancellationRequested();

        // An empty context gives no summary: the response is then generated without personalization.
        var resolved = await SummaryResolution.ResolveAsync(summary, context, _summarizer, cancellationToken).ConfigureAwait(false);
        var used = resolved ?? new UserSummary(string.Empty);
        var messages = _prompts.RenderGeneration(prompt, resolved?.Text);
        var texts = new List<string>(candidates);
        for (var i = 0; i < candidates; i++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var response = await _chatClient.GetResponseAsync(messages, _options.ToChatOptions(), cancellationToken).ConfigureAwait(false);
            texts.Add(response.Text);
        }

        if (candidates == 1) return new PersonalizedResponse(texts[0], used, texts, null);

        var conditioning = UserConditioning.FromSummary(used);
        var queries = texts.Select(t => new RewardQuery(prompt, t, conditioning)).ToArray();
        var rewards = await _rewardModel!.ScoreAsync(queries, cancellationToken).ConfigureAwait(false);
        if (rewards is null || rewards.Count != texts.Count)
            throw new InvalidOperationException($"The reward model returned {rewards?.Count ?? 0} rewards for {texts.Count} candidates.");
        var best = 0;
        for (var i = 1; i < rewards.Count; i++)
        {
            if (rewards[i] > rewards[best]) best = i;
        }

        return new PersonalizedResponse(texts[best], used, texts, rewards);
    }
}
