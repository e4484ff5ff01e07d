using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Generation;

public sealed class TokenGeneratorBehaviourTests : IDisposable
{
    private readonly CausalLM _model = CausalLM.FromPretrained(GoldenFixtures.Dir("tiny-qwen2"));
    private readonly Tensor _ids = GoldenFixtures.Expected("tiny-qwen2", "input_ids");
    private readonly Tensor _mask = GoldenFixtures.Expected("tiny-qwen2", "attention_mask");

    public void Dispose()
    {
        _model.Dispose();
        _ids.Dispose();
        _mask.Dispose();
    }

    private GenerationOutput Greedy(int maxNew = 12, IReadOnlyList<int>? stop = null, int min = 0) =>
        new TokenGenerator(_model).Generate(_ids, _mask, new GenerationOptions { MaxNewTokens = maxNew, StopTokenIds = stop ?? [], MinNewTokens = min });

    [Fact]
    public void Each_row_stops_independently_on_a_stop_token()
    {
        using var scope = NewDisposeScope();
        using var free = Greedy();
        // Row 1's fourth greedy token becomes a stop token; rows that never produce it run to the limit.
        int stopId = free.Sequences[1].TokenIds[3];
        using var stopped = Greedy(stop: [stopId]);

        var row1 = stopped.Sequences[1];
        int firstHit = free.Sequences[1].TokenIds.ToList().IndexOf(stopId);
        Assert.Equal(FinishReason.Stop, row1.FinishReason);
        Assert.Equal(free.Sequences[1].TokenIds.Take(firstHit + 1), row1.TokenIds);
        for (int b = 0; b < 3; b++)
        {
            var s = stopped.Sequences[b];
            int n = s.TokenIds.Count;
            Assert.Equal(n, stopped.NewTokenMask[b].sum().item<long>());
            Assert.Equal(s.FinishReason == FinishReason.Stop, s.TokenIds[^1] == stopId);
            if (!free.Sequences[b].TokenIds.Contains(stopId)) Assert.Equal(free.Sequences[b].TokenIds, s.TokenIds);
            var tail = stopped.SequenceIds[b].narrow(0, 12 + n, stopped.SequenceIds.shape[1] - 12 - n);
            Assert.True(tail.eq(0).all().item<bool>(), "finished rows emit the pad id");
        }
    }

    [Fact]
    public void Min_new_tokens_suppresses_stop_tokens_until_reached()
    {
        using var scope = NewDisposeScope();
        using var free = Greedy();
        int stopId = free.Sequences[0].TokenIds[0];
        using var early = Greedy(stop: [stopId]);
        using var withMin = Greedy(stop: [stopId], min: 3);

        Assert.Single(early.Sequences[0].TokenIds);
        Assert.True(withMin.Sequences[0].TokenIds.Count >= 3);
        Assert.DoesNotContain(stopId, withMin.Sequences[0].TokenIds.Take(3));
    }

    [Fact]
    public void A_stop_predicate_ends_its_row_only()
    {
        using var scope = NewDisposeScope();
        using var free = Greedy();
        using var output = new TokenGenerator(_model).Generate(_ids, _mask, new GenerationOptions
        {
            MaxNewTokens = 12,
            StopPredicate = (row, tokens) => row == 2 && tokens.Count == 5,
        });

        Assert.Equal(free.Sequences[2].TokenIds.Take(5), output.Sequences[2].TokenIds);
        Assert.Equal(FinishReason.Stop, output.Sequences[2].FinishReason);
        Assert.Equal(free.Sequences[0].TokenIds, output.Sequences[0].TokenIds);
        Assert.Equal(FinishReason.Length, output.Sequences[0].FinishReason);
    }

    [Fact]
    public void Greedy_log_probs_equal_teacher_forced_log_probs_of_the_output()
    {
        using var scope = NewDisposeScope();
        using var output = Greedy();
        using var noGrad = no_grad();
        var seq = output.SequenceIds;
        var logits = _model.Forward(seq.narrow(1, 0, seq.shape[1] - 1), output.AttentionMask.narrow(1, 0, seq.shape[1] - 1));
        var teacher = CausalLM.TokenLogProbs(logits, seq.narrow(1, 1, seq.shape[1] - 1)).narrow(1, 11, 12);
        var reference = logits.narrow(1, 11, 12).log_softmax(-1).gather(-1, seq.narrow(1, 12, 12).unsqueeze(-1)).squeeze(-1);

        Assert.True(teacher.allclose(reference, rtol: 0, atol: 1e-5));
        Assert.True(output.NewTokenLogProbs.allclose(teacher, rtol: 0, atol: 1e-4));
        Assert.Equal(output.NewTokenLogProbs[1].data<float>().ToArray(), output.Sequences[1].LogProbs);
    }

    [Fact]
    public void Sampling_is_reproducible_for_a_seed_and_varies_across_seeds()
    {
        using var scope = NewDisposeScope();
        var generator = new TokenGenerator(_model);
        var options = new GenerationOptions { MaxNewTokens = 16, DoSample = true, Temperature = 1.5, Seed = 5 };
        using var a = generator.Generate(_ids, _mask, options);
        using var b = generator.Generate(_ids, _mask, options);
        using var c = generator.Generate(_ids, _mask, options with { Seed = 6 });

        Assert.Equal(a.SequenceIds.data<long>().ToArray(), b.SequenceIds.data<long>().ToArray());
        Assert.NotEqual(a.SequenceIds.data<long>().ToArray(), c.SequenceIds.data<long>().ToArray());
        Assert.True(a.NewTokenLogProbs.le(0).all().item<bool>());
    }

    [Theory]
    [InlineData(1, 1.0)]
    [InlineData(0, 1e-6)]
    public void Top_k_1_or_a_tiny_top_p_reduce_sampling_to_greedy(int topK, double topP)
    {
        using var scope = NewDisposeScope();
        using var greedy = Greedy();
        using var sampled = new TokenGenerator(_model).Generate(_ids, _mask, new GenerationOptions
        {
            MaxNewTokens = 12, DoSample = true, TopK = topK, TopP = topP, Seed = 3,
        });
        Assert.Equal(greedy.SequenceIds.data<long>().ToArray(), sampled.SequenceIds.data<long>().ToArray());
    }

    [Fact]
    public void Sampled_log_probs_are_under_the_temperature_scaled_distribution()
    {
        using var scope = NewDisposeScope();
        const double temperature = 0.7;
        using var output = new TokenGenerator(_model).Generate(_ids, _mask, new GenerationOptions
        {
            MaxNewTokens = 6, DoSample = true, Temperature = temperature, TopK = 5, Seed = 11,
        });
        using var noGrad = no_grad();
        var seq = output.SequenceIds;
        long len = seq.shape[1];
        var logits = _model.Forward(seq.narrow(1, 0, len - 1), output.AttentionMask.narrow(1, 0, len - 1)) / temperature;
        var expected = CausalLM.TokenLogProbs(logits, seq.narrow(1, 1, len - 1)).narrow(1, 11, 6);
        Assert.True(output.NewTokenLogProbs.allclose(expected, rtol: 0, atol: 1e-4));
    }

    [Fact]
    public async Task Streaming_yields_the_same_tokens_as_generate_and_honours_cancellation()
    {
        using var scope = NewDisposeScope();
        using var expected = Greedy(maxNew: 6);
        var generator = new TokenGenerator(_model);
        var options = new GenerationOptions { MaxNewTokens = 6 };
        var rows = new List<int>[] { [], [], [] };
        int steps = 0;
        await foreach (var step in generator.StreamAsync(_ids, _mask, options))
        {
            Assert.Equal(steps++, step.Step);
            for (int b = 0; b < 3; b++) if (step.Active[b]) rows[b].Add(step.TokenIds[b]);
        }

        Assert.Equal(6, steps);
        for (int b = 0; b < 3; b++) Assert.Equal(expected.Sequences[b].TokenIds, rows[b]);

        using var cts = new CancellationTokenSource();
        int seen = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var step in generator.StreamAsync(_ids, _mask, options with { MaxNewTokens = 50 }, cts.Token))
            {
                if (++seen == 2) await cts.CancelAsync();
            }
        });
        Assert.Equal(2, seen);
    }

    [Fact]
    public void Cancellation_before_a_step_stops_generate()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => new TokenGenerator(_model).Generate(_ids, _mask, new GenerationOptions(), cts.Token));
    }

    [Fact]
    public void Right_padded_prompts_and_bad_options_are_rejected_with_the_reason()
    {
        using var scope = NewDisposeScope();
        var rightMask = _mask.flip(1);
        var ex = Assert.Throws<ArgumentException>(() => new TokenGenerator(_model).Generate(_ids, rightMask, new GenerationOptions()));
        Assert.Contains("pad prompts on the left", ex.Message);
        var bad = Assert.Throws<ArgumentOutOfRangeException>(() => new TokenGenerator(_model).Generate(_ids, _mask, new GenerationOptions { TopP = 0 }));
        Assert.Equal("TopP", bad.ParamName);
    }
}
