using Plus.Torch.Checkpoints;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Rl;
using Plus.Torch.Tests.Training;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Rl;

[Collection(TorchGlobalRngCollection.Name)]
public class PpoUpdaterTests
{
    private static readonly DecoderConfig Tiny = new()
    {
        ModelType = "qwen2", HiddenSize = 32, IntermediateSize = 64, NumHiddenLayers = 2, NumAttentionHeads = 4,
        NumKeyValueHeads = 2, HeadDim = 8, VocabSize = 40, TieWordEmbeddings = true, QkvBias = true, MaxPositionEmbeddings = 64,
    };

    private sealed class NoScope : IDisposable
    {
        public void Dispose()
        {
        }
    }

    [Fact]
    public void A_positive_sequence_reward_raises_the_log_prob_of_the_sampled_tokens_and_a_negative_one_lowers_it()
    {
        using var policy = CausalLM.Create(Tiny, seed: 1);
        using var critic = new ValueModel(CausalLM.Create(Tiny, seed: 2));
        var actorParams = policy.parameters().ToList();
        var criticParams = critic.parameters().ToList();
        using var actorOpt = OptimizerFactory.CreateAdamW(actorParams, new AdamWSettings { LearningRate = 1e-2 });
        using var criticOpt = OptimizerFactory.CreateAdamW(criticParams, new AdamWSettings { LearningRate = 1e-2 });
        var updater = new PpoUpdater(policy, () => new NoScope(), critic, actorOpt, actorParams, criticOpt, criticParams,
            new PpoSettings { MiniBatchSize = 2, WhitenAdvantages = false });

        // Two rows: prompt of 3 tokens (row 1 left-padded), 3 generated tokens, row 1 stops after 2.
        using var ids = tensor(new long[,] { { 5, 6, 7, 10, 11, 12 }, { 0, 6, 7, 13, 14, 0 } });
        using var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1 }, { 0, 1, 1, 1, 1, 0 } });
        using var rewards = tensor(new float[] { 1f, -1f });
        using var before = PpoUpdater.ActionLogProbs(policy, ids, mask, 3).detach();
        using var experience = updater.MakeExperience(ids, mask, 3, rewards, klCoefficient: 0.0);

        Assert.Equal(new float[] { 1, 1, 1, 1, 1, 0 }, experience.ActionMask.data<float>().ToArray());
        Assert.All(experience.Kl.data<float>().ToArray(), k => Assert.Equal(0f, k, 5));
        var stats = updater.Update(experience, new Random(0));
        Assert.True(double.IsFinite(stats.PolicyLoss) && double.IsFinite(stats.ValueLoss));

        using var after = PpoUpdater.ActionLogProbs(policy, ids, mask, 3).detach();
        var delta = (after - before).data<float>().ToArray();
        Assert.True(delta[0] + delta[1] + delta[2] > 0, "the rewarded row's tokens became more likely");
        Assert.True(delta[3] + delta[4] < 0, "the penalized row's tokens became less likely");
    }

    [Fact]
    public void Critic_only_experience_with_an_untouched_adapter_gives_the_same_experience_and_critic_update_as_computing_the_log_probs()
    {
        // Two identical setups: a LoRA policy right after injection (B = 0, so it is its reference) and a critic.
        (CausalLM Policy, LoraAdapter Adapter, ValueModel Critic, PpoUpdater Updater, IDisposable Optimizers) Make()
        {
            var policy = CausalLM.Create(Tiny, seed: 1);
            var adapter = LoraAdapter.Inject(policy, new LoraSettings { Rank = 2, Alpha = 4 }, seed: 3);
            var critic = new ValueModel(CausalLM.Create(Tiny, seed: 2));
            var actorParams = adapter.Parameters.ToList();
            var criticParams = critic.parameters().ToList();
            var actorOpt = OptimizerFactory.CreateAdamW(actorParams, new AdamWSettings { LearningRate = 1e-2 });
            var criticOpt = OptimizerFactory.CreateAdamW(criticParams, new AdamWSettings { LearningRate = 1e-2 });
            var updater = new PpoUpdater(policy, adapter.DisableAdapter, critic, actorOpt, actorParams, criticOpt, criticParams, new PpoSettings { MiniBatchSize = 2 });
            return (policy, adapter, critic, updater, new Both(actorOpt, criticOpt));
        }

        var full = Make();
        var skipped = Make();
        using var ids = tensor(new long[,] { { 5, 6, 7, 10, 11, 12 }, { 0, 6, 7, 13, 14, 0 } });
        using var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1 }, { 0, 1, 1, 1, 1, 0 } });
        using var rewards = tensor(new float[] { 1f, -1f });
        Assert.True(skipped.Adapter.IsIdentity);

        using var computed = full.Updater.MakeExperience(ids, mask, 3, rewards, klCoefficient: 0.05);
        using var critical = skipped.Updater.MakeExperience(ids, mask, 3, rewards, klCoefficient: 0.05, policyIsReference: true);

        Assert.False(computed.CriticOnly);
        Assert.True(critical.CriticOnly);
        Assert.Equal(computed.Kl.data<float>().ToArray(), critical.Kl.data<float>().ToArray()); // exactly 0 both ways
        Assert.All(computed.Kl.data<float>().ToArray(), k => Assert.Equal(0f, k));
        Assert.Equal(computed.Returns.data<float>().ToArray(), critical.Returns.data<float>().ToArray());
        Assert.Equal(computed.Advantages.data<float>().ToArray(), critical.Advantages.data<float>().ToArray());
        Assert.Equal(computed.OldValues.data<float>().ToArray(), critical.OldValues.data<float>().ToArray());

        var a = full.Updater.Update(computed, new Random(0), updateActor: false);
        var b = skipped.Updater.Update(critical, new Random(0), updateActor: false);
        Assert.Equal(a.ValueLoss, b.ValueLoss);
        var fullCritic = full.Critic.parameters().Select(p => p.data<float>().ToArray()).ToList();
        var skippedCritic = skipped.Critic.parameters().Select(p => p.data<float>().ToArray()).ToList();
        Assert.Equal(fullCritic, skippedCritic);

        var refused = Assert.Throws<InvalidOperationException>(() => skipped.Updater.Update(critical, new Random(0), updateActor: true));
        Assert.Contains("critic only", refused.Message, StringComparison.Ordinal);

        // After an actor step the adapter is no longer the identity, so the trainer computes the log-probs again.
        using var again = full.Updater.MakeExperience(ids, mask, 3, rewards, klCoefficient: 0.05);
        full.Updater.Update(again, new Random(0));
        Assert.False(full.Adapter.IsIdentity);

        foreach (var s in new[] { full, skipped })
        {
            s.Optimizers.Dispose();
            s.Critic.Dispose();
            s.Policy.Dispose();
        }
    }

    private sealed class Both(IDisposable first, IDisposable second) : IDisposable
    {
        public void Dispose()
        {
            first.Dispose();
            second.Dispose();
        }
    }

    [Fact]
    public void Tempered_action_log_probs_are_those_of_softmax_of_logits_over_the_temperature()
    {
        using var policy = CausalLM.Create(Tiny, seed: 3);
        using var ids = tensor(new long[,] { { 5, 6, 7, 10, 11, 12 }, { 0, 6, 7, 13, 14, 15 } });
        using var mask = tensor(new long[,] { { 1, 1, 1, 1, 1, 1 }, { 0, 1, 1, 1, 1, 1 } });
        using var logits = policy.Forward(ids, mask, PositionIds.FromAttentionMask(mask));
        using var expected = nn.functional.log_softmax(logits[.., 2..5] / 0.5, -1).gather(-1, ids[.., 3..].unsqueeze(-1)).squeeze(-1);
        using var tempered = PpoUpdater.ActionLogProbs(policy, ids, mask, 3, temperature: 0.5);
        using var plain = PpoUpdater.ActionLogProbs(policy, ids, mask, 3);
        Assert.True(tempered.allclose(expected, rtol: 1e-4, atol: 1e-5), "log-probs of softmax(logits / 0.5)");
        Assert.False(tempered.allclose(plain, rtol: 1e-3, atol: 1e-3), "the temperature changes the log-probs");
        Assert.Throws<ArgumentOutOfRangeException>(() => PpoUpdater.ActionLogProbs(policy, ids, mask, 3, temperature: 0));
        var ex = Assert.Throws<ArgumentOutOfRangeException>(() => new PpoSettings { Temperature = -1 }.Validate());
        Assert.Equal("Temperature", ex.ParamName);
    }

    [Fact]
    public void Rejects_a_prompt_length_outside_the_sequence()
    {
        using var policy = CausalLM.Create(Tiny, seed: 1);
        using var critic = new ValueModel(CausalLM.Create(Tiny, seed: 2));
        using var opt = OptimizerFactory.CreateAdamW(policy.parameters(), new AdamWSettings());
        using var opt2 = OptimizerFactory.CreateAdamW(critic.parameters(), new AdamWSettings());
        var updater = new PpoUpdater(policy, () => new NoScope(), critic, opt, policy.parameters().ToList(), opt2, critic.parameters().ToList(), new PpoSettings());
        using var ids = zeros(1, 4, ScalarType.Int64);
        using var r = zeros(1);
        Assert.Throws<ArgumentOutOfRangeException>(() => updater.MakeExperience(ids, ones_like(ids), 4, r, 0.01));
    }
}
