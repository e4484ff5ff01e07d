using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Summarization;
using Plus.Torch.Tests.Chat;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Summarization;

/// <summary>
/// The summarizer's length policy: a prompt leaves MaxSummaryTokens of the model's max_position_embeddings free, by
/// dropping the oldest context pairs first, then cutting the middle of the longest turns; a prompt that fits is
/// untouched; what cannot fit is a clear error. Tiny random models over the tiny-chat tokenizer with small positions.
/// </summary>
public sealed class SummarizerPromptFitTests : IDisposable
{
    private const int SummaryTokens = 4;
    private static readonly HfTokenizer Tokenizer = HfTokenizer.Load(TinyChatFixture.Directory);
    private readonly List<CausalLM> _models = [];

    public void Dispose()
    {
        foreach (var model in _models) model.Dispose();
    }

    private static PreferencePair Pair(string tag, string? chosen = null) => new(
        Conversation.FromUser($"Question {tag}: which pet do you like?"),
        chosen ?? $"Answer {tag} chosen: dogs are loyal.",
        $"Answer {tag} rejected: cats nap a lot.");

    private static UserContext Context(params PreferencePair[] pairs) => new(new ValueList<PreferencePair>(pairs));

    private static string LongText(string head, string tail) =>
        head + " " + string.Join(" ", Enumerable.Range(0, 120).Select(i => $"filler{i % 10}")) + " " + tail;

    /// <summary>A summarizer over a tiny random model with <paramref name="positions"/> positions.</summary>
    private TorchUserSummarizer Summarizer(int positions)
    {
        var config = DecoderConfig.Load(Path.Combine(TinyChatFixture.Directory, "config.json")) with { MaxPositionEmbeddings = positions };
        var model = CausalLM.Create(config, seed: 1);
        _models.Add(model);
        return new TorchUserSummarizer(new TextGenerator(model, Tokenizer), new PromptRenderer(PromptDomain.Pets),
            new SummarizerOptions { MaxSummaryTokens = SummaryTokens, DoSample = false, BatchSize = 4 });
    }

    private static string FullPrompt(UserContext context) =>
        new ChatMlFormatter().Format(new PromptRenderer(PromptDomain.Pets).RenderSummarizerPrompt(context).Turns, addGenerationPrompt: true);

    private static int Tokens(string text) => Tokenizer.Encode(text).Count;

    [Fact]
    public async Task A_prompt_that_fits_is_rendered_untouched_and_counted_as_not_cut()
    {
        var context = Context(Pair("A"), Pair("B"));
        string full = FullPrompt(context);
        // Exactly at the limit: prompt + MaxSummaryTokens == positions.
        var summarizer = Summarizer(Tokens(full) + SummaryTokens);
        Assert.Equal(full, summarizer.RenderPrompt(context));
        using (var rollout = summarizer.SummarizeForTraining([context, context]))
        {
            Assert.All(rollout.PromptTexts, p => Assert.Equal(full, p));
        }

        await summarizer.SummarizeAsync([context]);
        Assert.Equal(new SummarizerTruncationStats(3, 0, 0, 0), summarizer.Statistics);
    }

    [Fact]
    public void The_oldest_context_pair_is_dropped_first_and_the_newer_ones_kept_whole()
    {
        var context = Context(Pair("A"), Pair("B"), Pair("C"));
        string newestTwo = FullPrompt(Context(Pair("B"), Pair("C")));
        Assert.True(Tokens(FullPrompt(context)) > Tokens(newestTwo));
        var summarizer = Summarizer(Tokens(newestTwo) + SummaryTokens);

        using var rollout = summarizer.SummarizeForTraining([context]);
        Assert.Equal(newestTwo, rollout.PromptTexts[0]);
        Assert.DoesNotContain("Question A", rollout.PromptTexts[0], StringComparison.Ordinal);
        Assert.Equal(new SummarizerTruncationStats(1, 1, 1, 0), summarizer.Statistics);
        Assert.Equal(1.0, summarizer.Statistics.TruncatedFraction);
    }

    [Fact]
    public void A_long_turn_is_cut_in_the_middle_keeping_its_head_and_tail_after_older_pairs_are_dropped()
    {
        var newest = Pair("B", chosen: LongText("HEADWORD begins here", "ends with TAILWORD"));
        var context = Context(Pair("A"), newest);
        string newestAlone = FullPrompt(Context(newest));
        int positions = Tokens(newestAlone) - 60 + SummaryTokens; // dropping pair A alone is not enough
        var summarizer = Summarizer(positions);

        using var rollout = summarizer.SummarizeForTraining([context]);
        string prompt = rollout.PromptTexts[0];
        Assert.True(Tokens(prompt) <= positions - SummaryTokens, $"{Tokens(prompt)} tokens for {positions - SummaryTokens}");
        Assert.DoesNotContain("Question A", prompt, StringComparison.Ordinal);
        Assert.Contains(" ... ", prompt, StringComparison.Ordinal);
        Assert.Contains("HEADWORD", prompt, StringComparison.Ordinal);
        Assert.Contains("TAILWORD", prompt, StringComparison.Ordinal);
        // The short texts of the kept pair are not touched: only the long one was cut.
        Assert.Contains("Question B: which pet do you like?", prompt, StringComparison.Ordinal);
        Assert.Contains("Answer B rejected: cats nap a lot.", prompt, StringComparison.Ordinal);
        Assert.Equal(new SummarizerTruncationStats(1, 1, 1, 1), summarizer.Statistics);
        Assert.Equal(prompt, summarizer.RenderPrompt(context)); // the same cut, not counted
        Assert.Equal(1, summarizer.Statistics.Prompts);
    }

    [Fact]
    public async Task A_context_that_cannot_fit_is_an_error_naming_the_context_and_the_lengths()
    {
        var fits = Context(Pair("A"));
        var tooLong = new UserContext(new ValueList<PreferencePair>([Pair("B")]), Profile: LongText("profile", "end")); // the profile is never cut
        int positions = Tokens(FullPrompt(fits)) + 10 + SummaryTokens;
        var summarizer = Summarizer(positions);
        Assert.True(Tokens(FullPrompt(tooLong)) > positions);

        var ex = await Assert.ThrowsAnyAsync<ArgumentException>(() => summarizer.SummarizeAsync([fits, tooLong]));
        Assert.Contains("contexts[1]", ex.Message, StringComparison.Ordinal);
        Assert.Contains("max_position_embeddings", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{positions} positions", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"the {positions - SummaryTokens} that", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"MaxSummaryTokens {SummaryTokens}", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, summarizer.Statistics.Prompts); // nothing generated, nothing counted
    }

    [Fact]
    public void The_room_left_follows_the_calls_MaxSummaryTokens()
    {
        var context = Context(Pair("A"), Pair("B"));
        string full = FullPrompt(context);
        var summarizer = Summarizer(Tokens(full) + SummaryTokens);
        using (var fitting = summarizer.SummarizeForTraining([context]))
        {
            Assert.Equal(full, fitting.PromptTexts[0]);
        }

        using var longer = summarizer.SummarizeForTraining([context], summarizer.Options with { MaxSummaryTokens = SummaryTokens + 8 });
        Assert.Equal(FullPrompt(Context(Pair("B"))), longer.PromptTexts[0]);
        Assert.Equal(new SummarizerTruncationStats(2, 1, 1, 0), summarizer.Statistics);
        summarizer.ResetStatistics();
        Assert.Equal(new SummarizerTruncationStats(0, 0, 0, 0), summarizer.Statistics);
    }
}
