using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Vpl;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Vpl;

public class VplNetworkTests
{
    private const int D = 6, L = 4, H = 8;

    [Fact]
    public void Attention_pooling_gives_one_vector_per_user_and_ignores_padded_pairs()
    {
        using var network = new VplNetwork(D, L, H, seed: 3);
        using var scope = NewDisposeScope();
        using var g = new Generator(11, CPU);
        var pairs = randn([3, 4, L], generator: g);
        var mask = tensor(new[] { true, true, false, false, true, true, true, true, true, false, false, false }, [3, 4]);
        var pooled = network.AttentionPool(pairs, mask);
        Assert.Equal([3L, L], pooled.shape);

        // Row 0 has two real pairs: garbage in its padding changes nothing, and it equals the unpadded computation.
        var noisy = pairs.clone();
        noisy[0, 2] = full(L, 1000f);
        noisy[0, 3] = full(L, -1000f);
        Assert.True(network.AttentionPool(noisy, mask)[0].allclose(pooled[0], rtol: 1e-5, atol: 1e-6));
        var alone = network.AttentionPool(pairs[0].narrow(0, 0, 2).unsqueeze(0), ones(1, 2, ScalarType.Bool));
        Assert.True(alone[0].allclose(pooled[0], rtol: 1e-5, atol: 1e-6));

        // Self-attention followed by a mean is invariant to the order of the pairs.
        var reversed = pairs[1].flip(0).unsqueeze(0);
        Assert.True(network.AttentionPool(reversed, ones(1, 4, ScalarType.Bool))[0].allclose(pooled[1], rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void A_user_without_any_real_pair_is_refused()
    {
        using var network = new VplNetwork(D, L, H);
        using var pairs = zeros(2, 3, L);
        using var mask = tensor(new[] { true, false, false, false, false, false }, [2, 3]);
        var ex = Assert.Throws<ArgumentException>(() => network.AttentionPool(pairs, mask));
        Assert.Contains("at least one context pair", ex.Message);
    }

    [Fact]
    public void The_user_posterior_is_clamped_to_minus_one_one_and_shapes_follow_the_sizes()
    {
        using var network = new VplNetwork(D, L, H, seed: 3);
        using var scope = NewDisposeScope();
        var chosen = full(2, 3, D, 50f);
        var rejected = full(2, 3, D, -50f);
        var (mean, logVar) = network.EncodeUser(chosen, rejected, ones(2, 3, ScalarType.Bool));
        Assert.Equal([2L, L], mean.shape);
        Assert.Equal([2L, L], logVar.shape);
        Assert.True(mean.abs().max().item<float>() <= 1f);
        Assert.True(logVar.abs().max().item<float>() <= 1f);
        Assert.Equal(1f, cat([mean.abs(), logVar.abs()]).max().item<float>()); // large inputs reach the bound
        Assert.Equal([2L], network.Reward(zeros(2, D), mean).shape);
        Assert.Equal([2L, L], network.EncodePairs(zeros(2, D), zeros(2, D)).shape);
    }

    [Fact]
    public void Save_then_from_file_restores_identical_outputs_and_a_mismatch_names_the_parameter()
    {
        using var dir = new TinyModels.TempDir();
        string path = Path.Combine(dir.Path, "vpl.safetensors");
        using var network = new VplNetwork(D, L, H, seed: 3);
        network.Save(path);
        using var loaded = VplNetwork.FromFile(path);
        Assert.Equal((D, L, H), (loaded.EmbeddingSize, loaded.LatentSize, loaded.HiddenSize));

        using var scope = NewDisposeScope();
        using var g = new Generator(5, CPU);
        var e = randn([3, D], generator: g);
        var z = randn([3, L], generator: g);
        Assert.Equal(network.Reward(e, z).data<float>().ToArray(), loaded.Reward(e, z).data<float>().ToArray());
        using var differentSeed = new VplNetwork(D, L, H, seed: 4);
        Assert.NotEqual(network.Reward(e, z).data<float>().ToArray(), differentSeed.Reward(e, z).data<float>().ToArray());

        using var wider = new VplNetwork(D, L, H + 1);
        var ex = Assert.Throws<InvalidDataException>(() => wider.Load(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("pair_encoder.0", ex.Message);
    }
}
