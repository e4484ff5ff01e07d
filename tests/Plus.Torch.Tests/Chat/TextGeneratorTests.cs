using Plus.Torch.Chat;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Chat;

public sealed class TextGeneratorTests(TinyChatFixture fx) : IClassFixture<TinyChatFixture>
{
    private static TextGenerationOptions Greedy(int max = 16, params string[] stops) =>
        TextGenerationOptions.Greedy(max) with { StopSequences = stops };

    private static TextGenerationOptions Sampled(long? seed, int max = 16) =>
        new() { Generation = new GenerationOptions { MaxNewTokens = max, DoSample = true, Temperature = 1.0, Seed = seed } };

    [Fact]
    public void Greedy_chat_generation_equals_TokenGenerator_on_the_chatml_formatted_left_padded_batch()
    {
        var completions = fx.Generator.Generate(TinyChatFixture.Prompts, Greedy(12));

        var texts = TinyChatFixture.Prompts.Select(p => new ChatMlFormatter().Format(p.Turns, addGenerationPrompt: true)).ToList();
        using var scope = NewDisposeScope();
        var batch = fx.Tokenizer.EncodeBatch(texts, padLeft: true);
        var (ids, mask, _) = batch.ToTensors();
        using var expected = new TokenGenerator(fx.Model).Generate(ids, mask, new GenerationOptions
        {
            MaxNewTokens = 12,
            StopTokenIds = fx.Tokenizer.EndOfTurnTokenIds,
            PadTokenId = fx.Tokenizer.PadTokenId!.Value,
        });

        for (int i = 0; i < texts.Count; i++)
        {
            var want = expected.Sequences[i];
            var got = completions[i];
            Assert.Equal(want.TokenIds, got.TokenIds);
            Assert.Equal(want.LogProbs, got.LogProbs);
            Assert.Equal(want.FinishReason, got.FinishReason);
            Assert.Equal(batch.Lengths[i], got.PromptTokenCount);
            var textIds = want.FinishReason == FinishReason.Stop ? want.TokenIds.Take(want.TokenIds.Count - 1) : want.TokenIds;
            Assert.Equal(fx.Tokenizer.Decode(textIds), got.Text);
        }
    }

    [Fact]
    public void Each_row_of_a_batch_equals_generating_it_alone()
    {
        var batched = fx.Generator.Generate(TinyChatFixture.Prompts, Greedy(10));
        for (int i = 0; i < TinyChatFixture.Prompts.Count; i++)
        {
            var alone = fx.Generator.Generate([TinyChatFixture.Prompts[i]], Greedy(10))[0];
            Assert.Equal(alone.TokenIds, batched[i].TokenIds);
            Assert.Equal(alone.Text, batched[i].Text);
        }
    }

    [Fact]
    public void A_stop_sequence_stops_the_row_and_is_cut_from_the_text()
    {
        var free = fx.Generator.Generate([TinyChatFixture.Prompts[0]], Greedy(24))[0];
        Assert.True(free.Text.Length >= 12, $"the free run should write some text, got '{free.Text}'");
        string stop = free.Text.Substring(free.Text.Length / 2, 3);
        int at = free.Text.IndexOf(stop, StringComparison.Ordinal);

        var stopped = fx.Generator.Generate([TinyChatFixture.Prompts[0]], Greedy(24, stop))[0];

        Assert.Equal(free.Text[..at], stopped.Text);
        Assert.Equal(stop, stopped.StopSequence);
        Assert.Equal(FinishReason.Stop, stopped.FinishReason);
        Assert.True(stopped.TokenIds.Count < free.TokenIds.Count, "generation stops once the stop sequence appears");
        Assert.Equal(free.TokenIds.Take(stopped.TokenIds.Count), stopped.TokenIds);
        Assert.Contains(stop, fx.Tokenizer.Decode(stopped.TokenIds), StringComparison.Ordinal);
    }

    [Fact]
    public void Max_new_tokens_is_respected()
    {
        var completions = fx.Generator.Generate(TinyChatFixture.Prompts, Greedy(3) with { StopAtEndOfTurn = false });
        Assert.All(completions, c =>
        {
            Assert.Equal(3, c.TokenIds.Count);
            Assert.Equal(3, c.LogProbs.Count);
            Assert.Equal(FinishReason.Length, c.FinishReason);
        });
    }

    [Fact]
    public void Seeded_sampling_is_reproducible_and_the_seed_matters()
    {
        var a = fx.Generator.Generate(TinyChatFixture.Prompts, Sampled(11, 12));
        var b = fx.Generator.Generate(TinyChatFixture.Prompts, Sampled(11, 12));
        var c = fx.Generator.Generate(TinyChatFixture.Prompts, Sampled(12, 12));
        Assert.Equal(a.Select(x => x.TokenIds), b.Select(x => x.TokenIds));
        Assert.NotEqual(a.SelectMany(x => x.TokenIds), c.SelectMany(x => x.TokenIds));
    }

    [Fact]
    public async Task Streaming_concatenation_equals_the_non_streaming_text()
    {
        var plain = fx.Generator.Generate([TinyChatFixture.Prompts[1]], Sampled(5, 20))[0];
        string stop = plain.Text.Length >= 8 ? plain.Text.Substring(plain.Text.Length / 2, 2) : "zz";
        foreach (var options in new[] { Sampled(5, 20), Sampled(5, 20) with { StopSequences = [stop] }, Greedy(20) })
        {
            var expected = fx.Generator.Generate([TinyChatFixture.Prompts[1]], options)[0];
            var text = new System.Text.StringBuilder();
            var tokens = new List<int>();
            TextCompletion? last = null;
            await foreach (var update in fx.Generator.StreamAsync(TinyChatFixture.Prompts[1], options))
            {
                Assert.Null(last);
                text.Append(update.Text);
                if (update.TokenId is int id) tokens.Add(id);
                last = update.Completion;
            }

            Assert.NotNull(last);
            Assert.Equal(expected.Text, text.ToString());
            Assert.Equal(expected.TokenIds, tokens);
            Assert.Equal(expected, last with { TokenIds = expected.TokenIds, LogProbs = expected.LogProbs });
            Assert.Equal(expected.LogProbs, last.LogProbs);
        }
    }

    [Fact]
    public async Task Cancellation_throws_OperationCanceledException()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.ThrowsAny<OperationCanceledException>(() => fx.Generator.Generate(TinyChatFixture.Prompts, Greedy(), cts.Token));
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => fx.Generator.GenerateAsync(TinyChatFixture.Prompts, Greedy(), cts.Token));

        using var midway = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in fx.Generator.StreamAsync(TinyChatFixture.Prompts[0], Greedy(40) with { StopAtEndOfTurn = false }, midway.Token))
            {
                if (++seen == 2) midway.Cancel();
            }
        });
        Assert.Equal(2, seen);

        // The model's lock was released: the next call runs.
        Assert.Single(fx.Generator.Generate([TinyChatFixture.Prompts[0]], Greedy(2)));
    }

    [Fact]
    public void Tensors_of_GenerateWithTensors_match_the_completions()
    {
        var texts = TinyChatFixture.Prompts.Select(fx.Generator.FormatPrompt).ToList();
        using var result = fx.Generator.GenerateWithTensors(texts, Sampled(3, 10));
        var output = result.Output;
        Assert.Equal(texts, result.PromptTexts);
        for (int i = 0; i < texts.Count; i++)
        {
            var c = result.Completions[i];
            Assert.Equal(c.TokenIds.Count, output.NewTokenMask[i].sum().item<long>());
            long[] newIds = output.SequenceIds[i].narrow(0, output.PromptLength, c.TokenIds.Count).data<long>().ToArray();
            Assert.Equal(c.TokenIds, newIds.Select(x => (int)x));
            Assert.Equal(c.LogProbs.Sum(), output.NewTokenLogProbs[i].sum().item<float>(), 4);
        }
    }

    [Fact]
    public void A_prompt_token_outside_the_model_vocabulary_is_rejected_with_its_id()
    {
        var config = fx.Model.Config with { VocabSize = 64 };
        using var small = CausalLM.Create(config, seed: 1);
        var generator = new TextGenerator(small, fx.Tokenizer);
        var ex = Assert.Throws<ArgumentException>(() => generator.Generate([TinyChatFixture.Prompts[0]]));
        Assert.Contains("outside the model's vocabulary of 64", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Prompt 0", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Raw_text_generation_applies_no_chat_format()
    {
        string formatted = fx.Generator.FormatPrompt(TinyChatFixture.Prompts[0]);
        Assert.StartsWith("<|im_start|>user\n", formatted, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>assistant\n", formatted, StringComparison.Ordinal);
        var viaChat = fx.Generator.Generate([TinyChatFixture.Prompts[0]], Greedy(8))[0];
        var viaText = fx.Generator.GenerateText([formatted], Greedy(8))[0];
        Assert.Equal(viaChat, viaText with { TokenIds = viaChat.TokenIds, LogProbs = viaChat.LogProbs });
        Assert.Equal(viaChat.TokenIds, viaText.TokenIds);
    }
}
