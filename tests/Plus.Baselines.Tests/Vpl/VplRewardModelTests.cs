using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Vpl;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Vpl;

public class VplRewardModelTests
{
    internal static VplRewardModel NewModel(CausalLM backbone, int latent = 8, int hidden = 16, long seed = 0) =>
        new(new VplEmbedder(backbone, TinyModels.Encoder()), new VplNetwork(backbone.Config.HiddenSize, latent, hidden, seed));

    [Fact]
    public void An_encoder_longer_than_the_backbones_positions_is_refused_naming_both_lengths()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        int positions = backbone.Config.MaxPositionEmbeddings;
        var ex = Assert.Throws<ArgumentException>(() => new VplEmbedder(backbone, TinyModels.Encoder(maxLength: positions + 1)));
        Assert.Contains($"MaxLength {positions + 1}", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{positions} positions", ex.Message, StringComparison.Ordinal);
        Assert.Equal(positions, new VplEmbedder(backbone, TinyModels.Encoder(maxLength: positions)).Encoder.MaxLength);
    }

    [Fact]
    public void Embeddings_are_computed_once_per_text_and_are_the_backbone_last_token_state()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        var embedder = new VplEmbedder(backbone, TinyModels.Encoder());
        var pair = TinyModels.SmallPets(4).Train[0].Target;
        (Conversation, string)[] items = [(pair.Prompt, pair.Chosen), (pair.Prompt, pair.Rejected), (pair.Prompt, pair.Chosen)];
        using var scope = NewDisposeScope();
        var first = embedder.Embed(items);
        Assert.Equal([3L, 32L], first.shape);
        Assert.Equal(2, embedder.CachedCount);
        Assert.True(first[0].eq(first[2]).all().item<bool>());
        var again = embedder.Embed(items);
        Assert.Equal(2, embedder.CachedCount);
        Assert.True(first.eq(again).all().item<bool>());

        // The same vector as the backbone's hidden state at the last token of the reward-model text.
        var ids = TinyModels.Encoder().Encode(new RewardQuery(pair.Prompt, pair.Chosen, UserConditioning.None)).TokenIds;
        using var noGrad = no_grad();
        var hidden = backbone.ForwardHidden(tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Count]));
        Assert.True(hidden[0, -1].allclose(first[0], rtol: 1e-4, atol: 1e-5));
    }

    [Fact]
    public void Train_mode_samples_a_rescaled_latent_and_eval_mode_uses_the_mean()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        using var model = NewModel(backbone, latent: 8);
        var pairs = TinyModels.WithContext(TinyModels.SmallPets(8).Train.Take(3));
        using var scope = NewDisposeScope();

        model.Network.eval();
        var eval = model.ForwardPairs(pairs);
        Assert.True(eval.Latent.eq(eval.Mean).all().item<bool>());
        Assert.Equal([3L, 8L], eval.Mean.shape);

        model.Network.train();
        var train = model.ForwardPairs(pairs);
        var norms = train.Latent.square().sum(1).sqrt().data<float>().ToArray();
        Assert.All(norms, n => Assert.Equal(Math.Sqrt(8), n, 4));
        Assert.True(train.Mean.allclose(eval.Mean, rtol: 1e-5, atol: 1e-6), "the posterior does not depend on the mode");

        // Scoring is always deterministic (z = μ), even while the network is in train mode.
        var queries = pairs.Select(p => new RewardQuery(p.Pair.Prompt, p.Pair.Chosen, p.Conditioning)).ToArray();
        Assert.Equal(model.Score(queries), model.Score(queries));
        Assert.True(model.Network.training, "Score restores the train mode");
        var chosenScores = model.Score(queries);
        Assert.Equal(eval.Chosen.data<float>().ToArray().Select(v => Math.Round(v, 4)), chosenScores.Select(v => Math.Round((double)v, 4)));
    }

    [Fact]
    public void A_query_without_the_users_context_is_refused_with_its_index()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        using var model = NewModel(backbone);
        var pair = TinyModels.SmallPets(4).Train[0];
        var queries = new[]
        {
            new RewardQuery(pair.Target.Prompt, pair.Target.Chosen, UserConditioning.FromContext(pair.Context)),
            new RewardQuery(pair.Target.Prompt, pair.Target.Chosen, UserConditioning.None),
        };
        var ex = Assert.Throws<ArgumentException>(() => model.Score(queries));
        Assert.Contains("queries[1]", ex.Message);
        Assert.Contains("UserConditioning.FromContext", ex.Message);
    }

    [Fact]
    public void A_user_latent_does_not_depend_on_the_other_users_in_the_batch()
    {
        using var backbone = CausalLM.FromPretrained(TinyModels.ModelDir);
        using var model = NewModel(backbone);
        var examples = TinyModels.SmallPets(8).Train;
        var contexts = examples.Select(e => e.Context).Distinct().Take(3).ToArray();
        Assert.Equal(3, contexts.Length);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var (together, _) = model.EncodeUsers(contexts);
        var (alone, _) = model.EncodeUsers([contexts[2]]);
        Assert.True(together[2].allclose(alone[0], rtol: 1e-5, atol: 1e-6));
    }
}
