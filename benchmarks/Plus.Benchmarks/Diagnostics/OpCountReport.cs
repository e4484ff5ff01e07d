using System.Globalization;
using Plus.Benchmarks.Generation;
using Plus.Benchmarks.Training;
using Plus.Torch.Generation;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Diagnostics;

/// <summary>
/// <c>op-count</c>: tensors created (≈ out-of-place native ops) and host synchronisations per decode step, per
/// reward-model forward and per Bradley-Terry step, with the phases of a BT step apart (forward + loss, backward,
/// clipping, AdamW). One JSON line per measurement; milliseconds are reported for orientation only (one run).
/// Per-step decode numbers are the difference of two generations (<c>--steps</c> and 3 × <c>--steps</c> new
/// tokens) divided by the extra steps, so the prefill and the end-of-generation read cancel out.
/// </summary>
internal static class OpCountReport
{
    public static int Run(string[] args)
    {
        string device = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        string? shape = null;
        int batch = 4, prompt = 32, steps = 8, length = 128, pairs = 4, loraRank = 16, textPairs = 8;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--device": device = Next(); break;
                case "--shape": shape = Next(); break;
                case "--batch": batch = NextInt(); break;
                case "--prompt": prompt = NextInt(); break;
                case "--steps": steps = NextInt(); break;
                case "--length": length = NextInt(); break;
                case "--pairs": pairs = NextInt(); break;
                case "--lora-rank": loraRank = NextInt(); break;
                case "--text-pairs": textPairs = NextInt(); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: op-count [--device cpu|cuda] [--shape small|qwen0.5b] " +
                        "[--batch 4] [--prompt 32] [--steps 8] [--length 128] [--pairs 4] [--lora-rank 16] [--text-pairs 8]");
                    return 2;
            }
        }

        var (dev, dtype, config, name) = BenchModels.Resolve(device, shape);
        Console.Error.WriteLine($"op-count: device {dev}, dtype {dtype}, shape {name}, decode batch {batch} prompt {prompt}, reward {batch}x{length}, BT {pairs} pairs x {length}");
        string head = string.Create(CultureInfo.InvariantCulture, $"\"bench\":\"op-count\",\"device\":\"{dev}\",\"dtype\":\"{dtype}\",\"shape\":\"{name}\"");

        // Decode steps: plain model and LoRA, fused (the default) and separate projections.
        using (var model = CausalLM.Create(config, seed: 1, dev, dtype))
        {
            model.eval();
            using var scope = NewDisposeScope();
            var (ids, mask) = RewardComparison.RandomBatch(batch, prompt, config.VocabSize, dev, seed: 5);
            var greedy = new GenerationOptions { MaxNewTokens = steps };
            // A stop token that MinNewTokens keeps from firing: the stop bookkeeping runs, every step is decoded.
            var sampled = new GenerationOptions { DoSample = true, TopK = 50, Seed = 1, StopTokenIds = [config.VocabSize - 1] };
            DecodeLine(head, "decode_step_greedy", model, ids, mask, greedy, steps, batch);
            DecodeLine(head, "decode_step_sampled", model, ids, mask, sampled, steps, batch);
            DecodeLine(head, "decode_step_sampled_unfused", model, ids, mask, sampled with { FuseProjections = false }, steps, batch);
            LoraAdapter.Inject(model, new LoraSettings { Rank = loraRank, Alpha = 2 * loraRank }, seed: 2);
            DecodeLine(head, "decode_step_sampled_lora", model, ids, mask, sampled, steps, batch);
            DecodeLine(head, "decode_step_sampled_lora_unfused", model, ids, mask, sampled with { FuseProjections = false }, steps, batch);
        }

        // Reward forward and the tensor-level BT step (the shapes of reward-compare), full and LoRA.
        foreach (bool lora in new[] { false, true })
        {
            using var model = RewardModel.Create(config, seed: 1, dev, dtype);
            if (lora) model.EnableLora(new LoraSettings { Rank = loraRank, Alpha = 2 * loraRank }, seed: 2);
            using var scope = NewDisposeScope();
            if (!lora)
            {
                model.eval();
                var (fIds, fMask) = RewardComparison.RandomBatch(batch, length, config.VocabSize, dev, seed: 3);
                using (no_grad()) model.Forward(fIds, fMask);
                var forward = OpCounter.Measure(() =>
                {
                    using var noGrad = no_grad();
                    using var inner = NewDisposeScope();
                    model.Forward(fIds, fMask);
                    BenchModels.Synchronize(dev);
                });
                Print(head, "reward_forward", forward, $"\"rows\":{batch},\"length\":{length}");
            }

            model.train();
            using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model, new AdamWSettings { LearningRate = 1e-6 });
            var (pIds, pMask) = RewardComparison.RandomBatch(2 * pairs, length, config.VocabSize, dev, seed: 4);
            var trainable = model.TrainableParameters().Select(p => p.Parameter).ToList();
            for (int warm = 0; warm < 2; warm++) RewardComparison.Step(model, optimizer, pIds, pMask, dev);
            Tensor? loss = null;
            using var stepScope = NewDisposeScope();
            optimizer.zero_grad();
            var f = OpCounter.Measure(() =>
            {
                var rewards = model.Forward(pIds, pMask);
                loss = ConditionedRewardModel.BradleyTerryLoss(rewards.narrow(0, 0, pairs), rewards.narrow(0, pairs, pairs));
                BenchModels.Synchronize(dev);
            });
            var b = OpCounter.Measure(() => { loss!.backward(); BenchModels.Synchronize(dev); });
            var c = OpCounter.Measure(() => { GradientClipping.ClipByGlobalNorm(trainable, 1.0); HostReads.Note(); });
            var o = OpCounter.Measure(() => { optimizer.step(); BenchModels.Synchronize(dev); });
            string what = lora ? "bt_step_lora" : "bt_step_full";
            string extra = string.Create(CultureInfo.InvariantCulture, $"\"pairs\":{pairs},\"length\":{length},\"trainable_tensors\":{trainable.Count}");
            Print(head, what + "_forward_loss", f, extra);
            Print(head, what + "_backward", b, extra);
            Print(head, what + "_clip", c, extra);
            Print(head, what + "_adamw", o, extra + string.Create(CultureInfo.InvariantCulture, $",\"optimizer\":\"MultiTensorAdamW\",\"flat_buffers\":{optimizer.BufferCount}"));

            // TorchSharp's per-parameter AdamW over the same parameters and gradients, for comparison (not used by the trainers).
            using (var reference = OptimizerFactory.CreateAdamW(trainable, new AdamWSettings { LearningRate = 1e-6 }))
            {
                reference.step();
                var r = OpCounter.Measure(() => { reference.step(); BenchModels.Synchronize(dev); });
                Print(head, what + "_adamw_reference", r, extra + ",\"optimizer\":\"TorchSharp AdamW\"");
            }

            Print(head, what, new OpCount(f.Tensors + b.Tensors + c.Tensors + o.Tensors, f.Syncs + b.Syncs + c.Syncs + o.Syncs, f.Milliseconds + b.Milliseconds + c.Milliseconds + o.Milliseconds), extra);
        }

        // BradleyTerryStep itself on text pairs (the embedded tiny model), without and with a token budget.
        foreach (int budget in new[] { 0, 4096 })
        {
            using var rm = LengthProfileData.TinyRewardModel(dev);
            var data = LengthProfileData.Pairs(rm, textPairs, seed: 3);
            using var step = new BradleyTerryStep(rm, new AdamWSettings(), new LearningRateSchedule(1e-4, 100, 0)) { MaxTokensPerMicroBatch = budget };
            step.Step(data);
            var s = OpCounter.Measure(() => { step.Step(data); BenchModels.Synchronize(dev); });
            Print(head, budget == 0 ? "bt_step_text" : "bt_step_text_budget", s,
                string.Create(CultureInfo.InvariantCulture, $"\"pairs\":{data.Count},\"budget\":{budget},\"micro_batches\":{step.LastMicroBatches}"));
        }

        return 0;
    }

    private static void DecodeLine(string head, string what, CausalLM model, Tensor ids, Tensor mask, GenerationOptions options, int steps, int batch)
    {
        var generator = new TokenGenerator(model);
        GenerationOptions Run(int n) => options with { MaxNewTokens = n, MinNewTokens = options.StopTokenIds.Count > 0 ? n : 0 };
        using (generator.Generate(ids, mask, Run(steps))) { }
        var shortRun = OpCounter.Measure(() => { using var o = generator.Generate(ids, mask, Run(steps)); });
        var longRun = OpCounter.Measure(() => { using var o = generator.Generate(ids, mask, Run(3 * steps)); });
        var perStep = (longRun - shortRun).Per(2 * steps);
        using var fused = model.CreateFusedProjections();
        bool isFused = options.FuseProjections && fused is not null;
        Print(head, what, perStep with { Milliseconds = double.NaN }, string.Create(CultureInfo.InvariantCulture,
            $"\"batch\":{batch},\"fused\":{(isFused ? "true" : "false")},\"syncs_per_generation_outside_the_loop\":{shortRun.Syncs - perStep.Syncs * steps:F2}"));
    }

    // Milliseconds are left out where they are NaN (per-step decode numbers: a difference of two noisy timings).
    private static void Print(string head, string what, OpCount count, string extra) =>
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{{head},\"what\":\"{what}\",\"tensors_created\":{count.Tensors:F1},\"host_syncs\":{count.Syncs:F3},{(double.IsNaN(count.Milliseconds) ? "" : $"\"ms\":{count.Milliseconds:F2},")}{extra}}}"));
}
