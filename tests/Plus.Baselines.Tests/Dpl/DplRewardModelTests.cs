using Plus.Baselines.Dpl;
using Plus.Baselines.Tests.Fixtures;
using Plus.Torch.Reward;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Dpl;

public class DplRewardModelTests
{
    private static DplOptions Options(DplVariant variant) => new() { Variant = variant };

    [Theory]
    [InlineData(DplVariant.MeanVariance, 2)]
    [InlineData(DplVariant.Categorical, 10)]
    public void The_head_has_num_labels_outputs_and_replaces_the_scalar_head_in_every_state_dict(DplVariant variant, int outputs)
    {
        using var model = new DplRewardModel(TinyModels.BaseRewardModel(), Options(variant), headSeed: 3);
        Assert.Equal([outputs, 32L], model.HeadWeight.shape);

        var trainable = model.TrainableParameters();
        var heads = trainable.Where(p => p.Name == DplRewardModel.HeadWeightName).ToList();
        Assert.Single(heads);
        Assert.Equal([outputs, 32L], heads[0].Parameter.shape);
        Assert.All(trainable.Where(p => p.Name != DplRewardModel.HeadWeightName), p => Assert.StartsWith("backbone.", p.Name, StringComparison.Ordinal));
        Assert.False(model.Base.Model.ScoreWeight.requires_grad);

        using var scope = NewDisposeScope();
        var hf = model.HfStateDict();
        var score = Assert.Single(hf, kv => kv.Key == "score.weight");
        Assert.Equal([outputs, 32L], score.Value.shape);
        Assert.Contains(hf, kv => kv.Key == "model.embed_tokens.weight");
    }

    [Theory]
    [InlineData(DplVariant.MeanVariance)]
    [InlineData(DplVariant.Categorical)]
    public void Predict_reports_the_math_of_the_raw_outputs_and_the_uncertainty(DplVariant variant)
    {
        using var model = new DplRewardModel(TinyModels.BaseRewardModel(), Options(variant), headSeed: 3);
        var pairs = TinyModels.Unconditioned(TinyModels.SmallPets(8).Train.Take(4));
        var predictions = model.Predict(pairs);
        Assert.Equal(4, predictions.Count);

        using var scope = NewDisposeScope();
        var raw = model.ScoreRaw([.. pairs.Select(p => p.ChosenQuery), .. pairs.Select(p => p.RejectedQuery)]);
        var expected = DplMath.ChosenProbability(model.Options, raw.narrow(0, 0, 4), raw.narrow(0, 4, 4)).data<float>().ToArray();
        for (int i = 0; i < 4; i++)
        {
            Assert.Equal(expected[i], predictions[i].ChosenProbability, 5);
            Assert.InRange(predictions[i].ChosenProbability, 0, 1);
            Assert.True(predictions[i].Chosen.Sigma > 0, "a response's uncertainty is positive");
        }

        var row = raw[0].data<float>().ToArray();
        var first = predictions[0].Chosen;
        if (variant == DplVariant.MeanVariance)
        {
            Assert.Null(first.AtomProbabilities);
            Assert.Equal(row[0], first.Reward, 5);
            Assert.Equal(Math.Log(1 + Math.Exp(row[1])), first.Sigma, 5);
        }
        else
        {
            var atoms = Assert.IsAssignableFrom<IReadOnlyList<float>>(first.AtomProbabilities);
            Assert.Equal(10, atoms.Count);
            Assert.Equal(1.0, atoms.Sum(), 5);
            double mean = atoms.Select((p, k) => p * k / 9.0).Sum();
            double variance = atoms.Select((p, k) => p * (k / 9.0 - mean) * (k / 9.0 - mean)).Sum();
            Assert.Equal(mean, first.Reward, 5);
            Assert.Equal(Math.Sqrt(variance), first.Sigma, 4);
        }
    }

    [Fact]
    public void Score_is_the_expected_reward_and_does_not_depend_on_the_batch()
    {
        using var model = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions(), headSeed: 3);
        var queries = TinyModels.Unconditioned(TinyModels.SmallPets(8).Train.Take(4)).Select(p => p.ChosenQuery).ToArray();
        var together = model.Score(queries);
        for (int i = 0; i < queries.Length; i++) Assert.Equal(together[i], model.Score([queries[i]])[0], 5);
        var distributions = model.ScoreDistributions(queries);
        for (int i = 0; i < queries.Length; i++) Assert.Equal(together[i], distributions[i].Reward, 6);
    }

    [Fact]
    public void The_pair_loss_matches_the_math_on_its_own_outputs()
    {
        using var model = new DplRewardModel(TinyModels.BaseRewardModel(), new DplOptions { Variant = DplVariant.Categorical }, headSeed: 3);
        var pairs = TinyModels.Unconditioned(TinyModels.SmallPets(8).Train.Take(3));
        using var scope = NewDisposeScope();
        var output = model.PairLoss(pairs);
        Assert.Equal([3L, 10L], output.RawChosen.shape);
        double expected = DplMath.CategoricalLoss(output.RawChosen, output.RawRejected, 0.1).item<float>();
        Assert.Equal(expected, output.Loss.item<float>(), 5);
        Assert.True(output.Loss.requires_grad);
    }
}
