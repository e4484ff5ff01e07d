using Plus.Data;
using Plus.Torch.Reward;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Reward;

public class ConditionedRewardModelTests
{
    [Fact]
    public async Task Scores_do_not_depend_on_batch_size_order_or_neighbours()
    {
        var data = RewardFixture.SmallPets(12, 0).Train;
        var queries = data.SelectMany(e => new[]
        {
            new RewardQuery(e.Target.Prompt, e.Target.Chosen, Plus.Inference.PreferenceConditioning.For(e, ConditioningKind.Context)),
            new RewardQuery(e.Target.Prompt, e.Target.Rejected, UserConditioning.None),
        }).ToList();
        using var model = RewardFixture.TinyModel(batchSize: 5);
        using var one = new ConditionedRewardModel(model.Model, model.Encoder, batchSize: 1, ownsModel: false);

        var batched = model.Score(queries);
        var single = one.Score(queries);
        var reversed = (await model.ScoreAsync([.. Enumerable.Reverse(queries)])).Reverse().ToArray();
        for (int i = 0; i < queries.Count; i++)
        {
            Assert.True(Math.Abs(batched[i] - single[i]) <= 2e-5f, $"query {i}: {batched[i]} vs {single[i]}");
            Assert.True(Math.Abs(batched[i] - reversed[i]) <= 2e-5f, $"query {i} reversed: {batched[i]} vs {reversed[i]}");
        }

        Assert.True(batched.Distinct().Count() > queries.Count / 2, "scores should differ between queries");
    }

    [Fact]
    public void Pair_forward_scores_chosen_and_rejected_like_score_and_the_loss_is_minus_log_sigmoid()
    {
        using var scope = NewDisposeScope();
        var data = RewardFixture.SmallPets(6, 0).Train;
        var pairs = data.Select(e => new ConditionedPair(e.Target, Plus.Inference.PreferenceConditioning.For(e, ConditioningKind.Oracle))).ToList();
        using var model = RewardFixture.TinyModel();
        model.Model.eval();

        var output = model.PairLoss(pairs);
        var chosen = model.Score(pairs.Select(p => p.ChosenQuery).ToList());
        var rejected = model.Score(pairs.Select(p => p.RejectedQuery).ToList());
        var c = output.Chosen.detach().data<float>().ToArray();
        var r = output.Rejected.detach().data<float>().ToArray();
        double expectedLoss = 0;
        for (int i = 0; i < pairs.Count; i++)
        {
            Assert.True(Math.Abs(c[i] - chosen[i]) <= 2e-5f && Math.Abs(r[i] - rejected[i]) <= 2e-5f);
            expectedLoss += -Math.Log(1 / (1 + Math.Exp(-(chosen[i] - rejected[i]))));
        }

        Assert.True(output.Loss.requires_grad);
        Assert.Equal(expectedLoss / pairs.Count, output.Loss.item<float>(), 1e-5);
        Assert.Equal(pairs.Count, output.Count);
        Assert.Equal(Enumerable.Range(0, pairs.Count).Count(i => chosen[i] > rejected[i]), output.CountCorrect());
    }

    [Fact]
    public void Bradley_terry_loss_matches_hand_computed_values_and_is_stable_for_large_margins()
    {
        using var scope = NewDisposeScope();
        var chosen = tensor(new float[] { 1, 0, 100, -100 });
        var rejected = tensor(new float[] { 0, 1, -100, 100 });
        double expected = (Math.Log(1 + Math.Exp(-1)) + Math.Log(1 + Math.Exp(1)) + 0 + 200) / 4;
        Assert.Equal(expected, ConditionedRewardModel.BradleyTerryLoss(chosen, rejected).item<float>(), 4);
        Assert.Throws<ArgumentException>(() => ConditionedRewardModel.BradleyTerryLoss(chosen, rejected[..2]));
    }

    [Fact]
    public void Scoring_runs_without_gradients_and_keeps_the_train_mode()
    {
        using var model = RewardFixture.TinyModel();
        model.Model.train();
        var query = new RewardQuery(Conversation.FromUser(PetsDatasetBuilder.PromptText), "Cats purr.", UserConditioning.None);
        model.Score([query]);
        Assert.True(model.Model.training);
        Assert.All(model.Model.parameters(), p => Assert.Null(p.grad));
        using var scope = NewDisposeScope();
        Assert.True(model.ScoreWithGrad([query]).requires_grad);
    }

    [Fact]
    public void Cancellation_stops_scoring_between_batches()
    {
        using var model = RewardFixture.TinyModel(batchSize: 1);
        var query = new RewardQuery(Conversation.FromUser("hi"), "hello", UserConditioning.None);
        using var cts = new CancellationTokenSource();
        cts.Cancel();
        Assert.Throws<OperationCanceledException>(() => model.Score([query, query], cts.Token));
    }

    [Fact]
    public void A_tokenizer_larger_than_the_model_vocabulary_is_rejected()
    {
        var config = RewardFixture.TinyConfig() with { VocabSize = 100 };
        using var model = RewardModel.Create(config, 1);
        var ex = Assert.Throws<ArgumentException>(() => new ConditionedRewardModel(model, RewardFixture.Encoder(), ownsModel: false));
        Assert.Contains("vocabulary", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Preference_model_returns_sigmoid_of_the_margin_under_the_method_conditioning()
    {
        var data = RewardFixture.SmallPets(4, 0).Train;
        using var model = RewardFixture.TinyModel();
        var method = new Plus.Inference.ConditionedPreferenceModel(null, model, new Plus.Inference.ConditionedPreferenceModelOptions { Name = "Oracle", Kind = ConditioningKind.Oracle });
        var probabilities = await method.PredictChosenProbabilitiesAsync(data);
        for (int i = 0; i < data.Count; i++)
        {
            var conditioning = UserConditioning.FromOracle(data[i].OraclePreference!);
            var s = model.Score([new RewardQuery(data[i].Target.Prompt, data[i].Target.Chosen, conditioning), new RewardQuery(data[i].Target.Prompt, data[i].Target.Rejected, conditioning)]);
            Assert.Equal(1 / (1 + Math.Exp(-(s[0] - s[1]))), probabilities[i], 5);
        }
    }

    [Fact]
    public void Oracle_conditioning_needs_the_oracle_text_and_names_the_user()
    {
        var example = RewardFixture.SmallPets(2, 0).Train[0] with { OraclePreference = null };
        var ex = Assert.Throws<ArgumentException>(() => Plus.Inference.PreferenceConditioning.For(example, ConditioningKind.Oracle));
        Assert.Contains(example.UserId, ex.Message, StringComparison.Ordinal);
        Assert.Equal(ConditioningKind.Context, Plus.Inference.PreferenceConditioning.For(example, ConditioningKind.Context).Kind);
    }
}
