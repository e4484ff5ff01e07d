using Plus.Torch.Rl;
using static Plus.Torch.Tests.Rl.TensorAssert;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Rl;

public class KlPenaltyTests
{
    [Fact]
    public void Estimators_match_their_formulas_and_are_zero_on_padding()
    {
        using var scope = NewDisposeScope();
        var logp = T(new double[,] { { -1.0, -2.0, -0.5 } });
        var refLogp = T(new double[,] { { -1.5, -1.0, -9.0 } });
        var mask = T(new double[,] { { 1, 1, 0 } });
        // log ratio (log π − log π_ref) = [0.5, −1.0, (masked)]
        Close([0.5, -1.0, 0], KlPenalty.Estimate(logp, refLogp, mask, KlEstimator.K1));
        Close([0.125, 0.5, 0], KlPenalty.Estimate(logp, refLogp, mask, KlEstimator.K2));
        // k3 = exp(−x) − 1 + x
        Close([Math.Exp(-0.5) - 1 + 0.5, Math.Exp(1.0) - 1 - 1.0, 0], KlPenalty.Estimate(logp, refLogp, mask, KlEstimator.K3), 1e-12);
    }

    [Fact]
    public void K1_is_positive_when_the_policy_is_more_confident_than_the_reference()
    {
        using var scope = NewDisposeScope();
        var kl = KlPenalty.Estimate(T(new double[,] { { -0.1 } }), T(new double[,] { { -2.0 } }), ones(1, 1));
        Assert.True(Flat(kl)[0] > 0);
    }

    [Fact]
    public void Sequence_reward_lands_on_the_last_response_token_and_the_kl_term_on_every_response_token()
    {
        using var scope = NewDisposeScope();
        var kl = T(new double[,] { { 0.1, 0.2, 0.3, 0.4 }, { 1.0, -1.0, 5.0, 5.0 }, { 2.0, 3.0, 4.0, 5.0 } });
        // Row 0: full length; row 1: two tokens then padding (garbage KL there); row 2: left-padded, last token at 3.
        var mask = T(new double[,] { { 1, 1, 1, 1 }, { 1, 1, 0, 0 }, { 0, 0, 1, 1 } });
        var seq = T(new double[] { -0.5, -2.0, 3.0 });
        var rewards = KlPenalty.ComputeRewards(seq, kl, mask, beta: 0.1);
        Close(
        [
            -0.01, -0.02, -0.03, -0.04 - 0.5,
            -0.1, 0.1 - 2.0, 0, 0,
            0, 0, -0.4, -0.5 + 3.0,
        ], rewards, 1e-12);
    }

    [Fact]
    public void A_row_without_response_tokens_gets_no_reward_at_all()
    {
        using var scope = NewDisposeScope();
        var rewards = KlPenalty.ComputeRewards(T(new double[] { 7.0 }), T(new double[,] { { 1, 1, 1 } }), zeros(1, 3), 0.5);
        Close([0, 0, 0], rewards);
    }

    [Fact]
    public void Reward_clip_clamps_only_the_sequence_reward()
    {
        using var scope = NewDisposeScope();
        var rewards = KlPenalty.ComputeRewards(T(new double[] { -50.0 }), T(new double[,] { { 1, 1 } }), ones(1, 2), 0.5, rewardClip: 10);
        Close([-0.5, -0.5 - 10], rewards);
    }

    [Fact]
    public void Rewards_carry_no_gradient_and_bad_inputs_are_rejected()
    {
        using var scope = NewDisposeScope();
        var kl = T(new double[,] { { 1, 1 } }).requires_grad_();
        Assert.False(KlPenalty.ComputeRewards(T(new double[] { 1.0 }), kl, ones(1, 2), 0.5).requires_grad);
        var ex = Assert.Throws<ArgumentException>(() => KlPenalty.ComputeRewards(T(new double[] { 1.0, 2.0 }), kl, ones(1, 2), 0.5));
        Assert.Contains("sequenceRewards", ex.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => KlPenalty.ComputeRewards(T(new double[] { 1.0 }), kl, ones(1, 2), -0.1));
    }

    [Fact]
    public void Last_index_is_found_from_the_mask_for_any_padding()
    {
        using var scope = NewDisposeScope();
        var last = MaskedTensorOps.LastIndex(tensor(new long[,] { { 1, 1, 0 }, { 0, 1, 1 }, { 0, 0, 0 }, { 1, 0, 1 } }));
        Assert.Equal(new long[] { 1, 2, -1, 2 }, last.data<long>().ToArray());
    }
}
