using Plus.Prompts;
using Plus.Torch.Chat;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Summarization;
using Plus.Torch.Tests.Chat;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Summarization;

public sealed class TorchUserSummarizerTests(TinyChatFixture fx) : IClassFixture<TinyChatFixture>
{
    private static readonly Conversation PetsPrompt = Conversation.FromUser("Human: Please talk about one kind of pets.");

    private static UserContext Context(string chosen, string rejected, string? profile = null) =>
        new(new ValueList<PreferencePair>([new PreferencePair(PetsPrompt, chosen, rejected)]), profile);

    private static readonly UserContext[] Contexts =
    [
        Context("Dogs are loyal companions who love long walks in the park.", "Cats are independent animals that enjoy napping in the sun."),
        Context("Cats are independent animals that enjoy napping in the sun.", "Dogs are loyal companions who love long walks in the park."),
        Context("Birds can be wonderful pets because they sing beautiful songs every morning.", "Rabbits are gentle creatures that need plenty of space to hop around.", "I like birds."),
    ];

    private TorchUserSummarizer Summarizer(SummarizerOptions? options = null) =>
        new(fx.Generator, new PromptRenderer(PromptDomain.Pets), options ?? new SummarizerOptions { MaxSummaryTokens = 16, Seed = 5, BatchSize = 2, ModelName = "tiny-chat" });

    [Fact]
    public void The_prompt_is_the_pets_summarizer_prompt_in_chatml_token_for_token()
    {
        var summarizer = Summarizer();
        using var rollout = summarizer.SummarizeForTraining(Contexts);
        var renderer = new PromptRenderer(PromptDomain.Pets);
        for (int i = 0; i < Contexts.Length; i++)
        {
            string text = new ChatMlFormatter().Format(renderer.RenderSummarizerPrompt(Contexts[i]).Turns, addGenerationPrompt: true);
            var expected = fx.Tokenizer.Encode(text);
            Assert.Equal(text, rollout.PromptTexts[i]);
            Assert.Equal(text, summarizer.RenderPrompt(Contexts[i]));

            // The row's real prompt tokens are the last ones of the left-padded prompt.
            int t = rollout.PromptLength;
            long real = rollout.AttentionMask[i].narrow(0, 0, t).sum().item<long>();
            long[] ids = rollout.SequenceIds[i].narrow(0, t - real, real).data<long>().ToArray();
            Assert.Equal(expected, ids.Select(x => (int)x));
        }
    }

    [Fact]
    public void Summaries_are_extracted_from_the_raw_output_with_the_word_and_token_caps()
    {
        var options = new SummarizerOptions { MaxSummaryTokens = 24, MaxSummaryWords = 3, Seed = 1, ModelName = "tiny-chat" };
        using var rollout = Summarizer(options).SummarizeForTraining(Contexts);
        var extractor = new SummaryExtractor(3, 24, t => fx.Tokenizer.Encode(t).Count);
        for (int i = 0; i < Contexts.Length; i++)
        {
            var summary = rollout.Summaries[i];
            Assert.Equal(rollout.Completions[i].Text, summary.RawOutput);
            Assert.Equal(extractor.Extract(summary.RawOutput).Text, summary.Text);
            Assert.True(summary.Text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Length <= 3);
            Assert.Equal(SummarySource.Generated, summary.Source);
            Assert.Equal("tiny-chat", summary.Model);
        }
    }

    [Fact]
    public async Task Batches_keep_the_order_of_the_contexts()
    {
        var greedy = new SummarizerOptions { DoSample = false, MaxSummaryTokens = 12, BatchSize = 2 };
        var summarizer = Summarizer(greedy);
        var together = await summarizer.SummarizeAsync(Contexts);
        Assert.Equal(Contexts.Length, together.Count);
        for (int i = 0; i < Contexts.Length; i++)
        {
            var alone = await summarizer.SummarizeAsync([Contexts[i]]);
            Assert.Equal(alone[0], together[i]);
        }
    }

    [Fact]
    public async Task The_same_seed_gives_the_same_summaries()
    {
        var a = await Summarizer().SummarizeAsync(Contexts);
        var b = await Summarizer().SummarizeAsync(Contexts);
        var c = await Summarizer(new SummarizerOptions { MaxSummaryTokens = 16, Seed = 6, BatchSize = 2 }).SummarizeAsync(Contexts);
        Assert.Equal(a, b);
        Assert.NotEqual(a.Select(s => s.RawOutput), c.Select(s => s.RawOutput));
    }

    [Fact]
    public async Task Cancellation_throws_OperationCanceledException()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Summarizer().SummarizeAsync(Contexts, cts.Token));
        Assert.ThrowsAny<OperationCanceledException>(() => Summarizer().SummarizeForTraining(Contexts, cancellationToken: cts.Token));
    }

    [Fact]
    public void Rollout_log_probs_equal_the_policy_log_probs_recomputed_on_its_tensors()
    {
        using var rollout = Summarizer().SummarizeForTraining(Contexts);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        int t = rollout.PromptLength;
        long n = rollout.NewTokenLogProbs.shape[1];
        var logits = fx.Model.Forward(rollout.SequenceIds, rollout.AttentionMask);
        var recomputed = CausalLM.TokenLogProbs(logits.narrow(1, t - 1, n), rollout.SequenceIds.narrow(1, t, n));
        var mask = rollout.NewTokenMask.narrow(1, t, n).to_type(ScalarType.Float32);
        float maxDiff = ((recomputed - rollout.NewTokenLogProbs) * mask).abs().max().item<float>();
        Assert.True(maxDiff < 1e-4f, $"max |log-prob difference| {maxDiff}");
        for (int i = 0; i < Contexts.Length; i++)
        {
            Assert.Equal(rollout.Completions[i].TokenIds.Count, (int)rollout.NewTokenMask[i].sum().item<long>());
        }
    }

    [Fact]
    public void Options_out_of_range_are_rejected_with_their_name()
    {
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new TorchUserSummarizer(fx.Generator, options: new SummarizerOptions { BatchSize = 0 }));
        Assert.Contains("BatchSize", ex.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentOutOfRangeException>(() => Summarizer().ToGenerationOptions(new SummarizerOptions { Temperature = 0 }));
        Assert.Throws<ArgumentException>(() => Summarizer().SummarizeForTraining([]));
        var generation = Summarizer().ToGenerationOptions(new SummarizerOptions { MaxSummaryTokens = 32, Seed = 4 });
        Assert.Equal(new GenerationOptions { MaxNewTokens = 32, DoSample = true, Temperature = 1.0, Seed = 4 }, generation.Generation);
        Assert.True(generation.StopAtEndOfTurn);
    }
}
