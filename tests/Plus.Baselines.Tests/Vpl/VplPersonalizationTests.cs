using Plus.Baselines.Vpl;
using Plus.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Tests.Vpl;

/// <summary>
/// VPL's networks on synthetic frozen embeddings: two "animals" A and B are two fixed directions plus per-sentence
/// noise; half the users prefer A, half B; each user's three context pairs show their side. Nothing but the latent can
/// tell the users apart, so held-out accuracy above chance and flipping under the other user's context are the latent's
/// doing. The training loop is the test's own (the networks, VplMath and AdamW; no trainer).
/// </summary>
public class VplPersonalizationTests
{
    private const int D = 8, L = 8, H = 32, Users = 64, ContextPairs = 3;

    private sealed record Batch(Tensor CtxChosen, Tensor CtxRejected, Tensor Mask, Tensor Chosen, Tensor Rejected);

    /// <summary>Users alternate A-lovers and B-lovers; the target's chosen is the user's animal.</summary>
    private static Batch Make(Generator g, Tensor a, Tensor b, bool swapContexts = false)
    {
        Tensor Sentence(Tensor animal, long n) => animal.unsqueeze(0).expand(n, D) + randn([n, D], generator: g) * 0.3;
        var likesA = arange(Users).remainder(2).eq(0).unsqueeze(1);
        var ctxLikesA = swapContexts ? likesA.logical_not() : likesA;
        Tensor Pick(Tensor mask, long n) => where(mask, Sentence(a, n), Sentence(b, n));
        Tensor PickOther(Tensor mask, long n) => where(mask, Sentence(b, n), Sentence(a, n));
        var ctxMask = ctxLikesA.unsqueeze(-1).expand(Users, ContextPairs, 1).reshape(Users * ContextPairs, 1);
        var ctxChosen = Pick(ctxMask, Users * ContextPairs).view(Users, ContextPairs, D);
        var ctxRejected = PickOther(ctxMask, Users * ContextPairs).view(Users, ContextPairs, D);
        return new Batch(ctxChosen, ctxRejected, ones(Users, ContextPairs, ScalarType.Bool), Pick(likesA, Users), PickOther(likesA, Users));
    }

    private static double Accuracy(VplNetwork network, Batch batch)
    {
        network.eval();
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var (mean, _) = network.EncodeUser(batch.CtxChosen, batch.CtxRejected, batch.Mask);
        return network.Reward(batch.Chosen, mean).gt(network.Reward(batch.Rejected, mean)).to(ScalarType.Float32).mean().item<float>();
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void The_latent_personalizes_held_out_pairs_and_flips_under_the_other_users_context(bool clampMean)
    {
        using var network = new VplNetwork(D, L, H, seed: 1, clampMean: clampMean);
        using var g = new Generator(7, CPU);
        using var scope = NewDisposeScope();
        var a = randn([D], generator: g);
        var b = randn([D], generator: g);
        using var optimizer = OptimizerFactory.CreateAdamW(network, new AdamWSettings { LearningRate = 1e-2 });
        var annealer = new CyclicCosineAnnealer(20);
        for (int step = 0; step < 80; step++)
        {
            using var stepScope = NewDisposeScope();
            network.train();
            optimizer.zero_grad();
            var batch = Make(g, a, b);
            var (mean, logVar) = network.EncodeUser(batch.CtxChosen, batch.CtxRejected, batch.Mask);
            var z = VplMath.SampleLatent(mean, logVar, g);
            var bt = nn.functional.softplus(network.Reward(batch.Rejected, z) - network.Reward(batch.Chosen, z)).mean();
            (bt + VplMath.GaussianKl(mean, logVar) * (1e-4 * annealer.At(step))).backward();
            optimizer.step();
        }

        double own = Accuracy(network, Make(g, a, b));
        double swapped = Accuracy(network, Make(g, a, b, swapContexts: true));
        Assert.True(own >= 0.9, $"held-out accuracy with the user's own context {own:P0} (clampMean {clampMean})");
        Assert.True(swapped <= 0.1, $"accuracy under the other side's context {swapped:P0} should collapse (clampMean {clampMean})");
    }
}
