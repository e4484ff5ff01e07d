using Plus.Torch.Reward;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Reward;

/// <summary><see cref="BradleyTerryStep.MaxTokensPerMicroBatch"/>: length-sorted micro-batches capped in padded tokens.</summary>
public class BradleyTerryTokenBudgetTests
{
    // Mixed conditioning gives pairs of clearly different lengths (ICL contexts are long, no conditioning is short).
    private static List<ConditionedPair> MixedPairs(int n)
    {
        var kinds = new[] { ConditioningKind.Context, ConditioningKind.None, ConditioningKind.Oracle };
        return [.. RewardFixture.SmallPets(n, 0).Train.Select((e, i) => new ConditionedPair(e.Target, Plus.Inference.PreferenceConditioning.For(e, kinds[i % kinds.Length])))];
    }

    private static int LongestPair(ConditionedRewardModel model, IReadOnlyList<ConditionedPair> pairs) =>
        pairs.Max(p => Math.Max(model.Encoder.Encode(p.ChosenQuery).TokenIds.Count, model.Encoder.Encode(p.RejectedQuery).TokenIds.Count));

    [Theory]
    [InlineData(2, 0)] // about two of the longest pairs per forward
    [InlineData(0, 0)] // a budget below any single pair: every pair alone
    [InlineData(3, 2)] // the budget and MicroBatchSize together
    public void A_budgeted_step_gives_the_loss_and_the_update_of_the_unbudgeted_step(int longestPairsPerBudget, int microBatchSize)
    {
        var pairs = MixedPairs(7);
        using var a = RewardFixture.TinyModel(seed: 3);
        using var b = RewardFixture.TinyModel(seed: 3);
        int longest = LongestPair(a, pairs);
        int budget = Math.Max(1, 2 * longestPairsPerBudget * longest);
        // With ε = 1 and lr = 1, Adam's first update is g / (|g| + 1) ≈ g: the weights compare the gradients themselves.
        var schedule = new LearningRateSchedule(1, 10, warmupFraction: 0);
        var adam = new AdamWSettings { Epsilon = 1 };
        using var whole = new BradleyTerryStep(a, adam, schedule, maxGradNorm: 1e6);
        using var budgeted = new BradleyTerryStep(b, adam, schedule, maxGradNorm: 1e6, microBatchSize) { MaxTokensPerMicroBatch = budget };

        var ra = whole.Step(pairs);
        var rb = budgeted.Step(pairs);

        Assert.Equal(1, whole.LastMicroBatches);
        Assert.True(budgeted.LastMicroBatches >= 3, $"{budgeted.LastMicroBatches} micro-batches: the budget did not split the batch");
        if (longestPairsPerBudget > 0) Assert.True(budgeted.LastPeakTokens <= budget, $"peak {budgeted.LastPeakTokens} tokens > budget {budget}");
        else Assert.Equal(pairs.Count, budgeted.LastMicroBatches);
        if (microBatchSize > 0) Assert.True(budgeted.LastMicroBatches >= (pairs.Count + microBatchSize - 1) / microBatchSize);
        Assert.Equal(ra.Loss, rb.Loss, 5);
        Assert.Equal(ra.Accuracy, rb.Accuracy);
        Assert.Equal(ra.Margin, rb.Margin, 5);
        Assert.Equal(ra.GradientNorm, rb.GradientNorm, 4);
        Assert.Equal(ra.Truncated, rb.Truncated);
        var pa = a.Model.parameters().ToList();
        var pb = b.Model.parameters().ToList();
        for (int i = 0; i < pa.Count; i++)
        {
            Assert.True(pa[i].allclose(pb[i], rtol: 0, atol: 1e-5), $"parameter {i} differs by {(pa[i] - pb[i]).abs().max().item<float>()}");
        }
    }

    [Fact]
    public void A_batch_within_the_budget_runs_whole_and_equals_the_unbudgeted_step_bit_for_bit()
    {
        var pairs = MixedPairs(7);
        using var a = RewardFixture.TinyModel(seed: 5);
        using var b = RewardFixture.TinyModel(seed: 5);
        int budget = 2 * pairs.Count * LongestPair(a, pairs); // exactly the batch's padded size
        var schedule = new LearningRateSchedule(1e-2, 10, warmupFraction: 0);
        using var plain = new BradleyTerryStep(a, new AdamWSettings(), schedule);
        using var budgeted = new BradleyTerryStep(b, new AdamWSettings(), schedule) { MaxTokensPerMicroBatch = budget };
        for (int step = 0; step < 3; step++)
        {
            var ra = plain.Step(pairs);
            var rb = budgeted.Step(pairs);
            Assert.Equal(1, budgeted.LastMicroBatches);
            Assert.Equal(ra.Loss, rb.Loss);
            Assert.Equal(ra.Margin, rb.Margin);
            Assert.Equal(ra.GradientNorm, rb.GradientNorm);
        }

        var pa = a.Model.parameters().ToList();
        var pb = b.Model.parameters().ToList();
        for (int i = 0; i < pa.Count; i++) Assert.True(pa[i].eq(pb[i]).all().item<bool>(), $"parameter {i} differs by {(pa[i] - pb[i]).abs().max().item<float>()}");

        // One token less and the batch is cut (sorted, so no longer in batch order).
        using var c = RewardFixture.TinyModel(seed: 5);
        using var cut = new BradleyTerryStep(c, new AdamWSettings(), schedule) { MaxTokensPerMicroBatch = budget - 1 };
        cut.Step(pairs);
        Assert.True(cut.LastMicroBatches > 1);
    }

    [Fact]
    public void The_trainer_options_carry_a_default_budget_and_validate_it()
    {
        Assert.Equal(32_768, new BradleyTerryOptions().MaxTokensPerMicroBatch);
        Assert.Equal(32_768, new PlusTrainerOptions().RewardMaxTokensPerMicroBatch);
        var errors = new BradleyTerryOptions { MaxTokensPerMicroBatch = -1 }.Validate();
        Assert.Contains(errors, e => e.Contains("MaxTokensPerMicroBatch", StringComparison.Ordinal));
    }

    [Fact]
    public void Sorting_by_length_needs_fewer_forwards_than_batch_order()
    {
        var pairs = MixedPairs(9);
        using var model = RewardFixture.TinyModel(seed: 4);
        var lengths = pairs.Select(p => Math.Max(model.Encoder.Encode(p.ChosenQuery).TokenIds.Count, model.Encoder.Encode(p.RejectedQuery).TokenIds.Count)).ToList();
        // Room for four of the longest pairs.
        int budget = 2 * 4 * lengths.Max();
        int sorted = Greedy([.. lengths.OrderByDescending(l => l)], budget);
        int inBatchOrder = Greedy(lengths, budget);
        Assert.True(sorted < inBatchOrder, $"fixture: sorted {sorted} vs batch order {inBatchOrder} forwards for lengths {string.Join(",", lengths)}");

        using var step = new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-3, 10, 0)) { MaxTokensPerMicroBatch = budget };
        step.Step(pairs);

        Assert.Equal(sorted, step.LastMicroBatches);
        Assert.True(step.LastPeakTokens <= budget);
    }

    // Fills micro-batches in the given order while 2 × pairs × widest pair fits the budget.
    private static int Greedy(IReadOnlyList<int> lengths, int budget)
    {
        int groups = 0;
        for (int i = 0; i < lengths.Count; groups++)
        {
            int width = lengths[i], count = 1;
            while (i + count < lengths.Count && 2 * (count + 1) * Math.Max(width, lengths[i + count]) <= budget)
            {
                width = Math.Max(width, lengths[i + count]);
                count++;
            }

            i += count;
        }

        return groups;
    }

    [Fact]
    public void A_negative_budget_is_refused()
    {
        using var model = RewardFixture.TinyModel(seed: 4);
        Assert.Throws<ArgumentOutOfRangeException>(() => new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-3, 10, 0)) { MaxTokensPerMicroBatch = -1 });
    }
}
