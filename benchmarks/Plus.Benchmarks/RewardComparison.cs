using System.Diagnostics;
using System.Globalization;
using Plus.Benchmarks.Generation;
using Plus.Torch.Lora;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Benchmarks;

/// <summary>
/// <c>reward-compare</c>: a plain console measurement matching <c>benchmarks/python/hf_reward_bench.py</c> — reward
/// model forward (no grad) of <c>--forward-batch</c> × <c>--length</c> tokens, and a Bradley-Terry step on
/// <c>--pairs</c> pairs (chosen and rejected in one forward, loss <c>−log σ(r_c − r_r)</c>, backward, clip 1.0, AdamW)
/// with full fine-tuning and with LoRA (r 16, alpha 32, every projection, head trained). Random weights and tokens,
/// no padding. Prints one JSON line per measurement (median and best of <c>--repeats</c> after <c>--warmup</c>).
/// Defaults: the Qwen2.5-0.5B shape in bf16 with 32 × 512 and 8 pairs × 512 on CUDA; the small shape in fp32 with
/// 8 × 128 and 4 pairs × 128 on the CPU.
/// </summary>
internal static class RewardComparison
{
    public static int Run(string[] args)
    {
        string device = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        string? shape = null;
        int? forwardBatch = null, pairs = null, length = null;
        int repeats = 5, warmup = 2, loraRank = 16;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--device": device = Next(); break;
                case "--shape": shape = Next(); break;
                case "--forward-batch": forwardBatch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--pairs": pairs = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--length": length = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--repeats": repeats = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--lora-rank": loraRank = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: reward-compare [--device cpu|cuda] [--shape qwen0.5b|small] " +
                        "[--forward-batch 32] [--pairs 8] [--length 512] [--repeats 5] [--warmup 2] [--lora-rank 16]");
                    return 2;
            }
        }

        var (dev, dtype, config, name) = BenchModels.Resolve(device, shape);
        bool cuda = dev.type == DeviceType.CUDA;
        int fb = forwardBatch ?? (cuda ? 32 : 8);
        int np = pairs ?? (cuda ? 8 : 4);
        int len = length ?? (cuda ? 512 : 128);
        Console.Error.WriteLine($"reward-compare: device {dev}, dtype {dtype}, shape {name}, forward {fb}x{len}, BT step {np} pairs x {len}");
        string head = string.Create(CultureInfo.InvariantCulture, $"\"impl\":\"plus-torchsharp\",\"device\":\"{dev}\",\"dtype\":\"{dtype}\",\"shape\":\"{name}\",\"length\":{len}");

        using (var model = RewardModel.Create(config, seed: 1, dev, dtype))
        {
            model.eval();
            using var scope = NewDisposeScope();
            var (ids, mask) = RandomBatch(fb, len, config.VocabSize, dev, seed: 3);
            var times = Measure(repeats, warmup, () =>
            {
                using var noGrad = no_grad();
                using var inner = NewDisposeScope();
                model.Forward(ids, mask);
                BenchModels.Synchronize(dev);
            });
            Print(head, "forward", fb, times, fb, "sequences_per_s");

            model.train();
            using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model, new AdamWSettings { LearningRate = 1e-6 });
            var (pairIds, pairMask) = RandomBatch(2 * np, len, config.VocabSize, dev, seed: 4);
            times = Measure(repeats, warmup, () => Step(model, optimizer, pairIds, pairMask, dev));
            Print(head, "bt_step_full", np, times, np, "pairs_per_s");
        }

        using (var model = RewardModel.Create(config, seed: 1, dev, dtype))
        {
            model.EnableLora(new LoraSettings { Rank = loraRank, Alpha = 2 * loraRank }, seed: 2);
            model.train();
            using var scope = NewDisposeScope();
            using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model, new AdamWSettings { LearningRate = 1e-6 });
            var (pairIds, pairMask) = RandomBatch(2 * np, len, config.VocabSize, dev, seed: 4);
            var times = Measure(repeats, warmup, () => Step(model, optimizer, pairIds, pairMask, dev));
            Print(head, "bt_step_lora", np, times, np, "pairs_per_s");
        }

        return 0;
    }

    /// <summary>Random ids in [3, vocab) and an all-ones mask, [rows, length], on the device.</summary>
    public static (Tensor Ids, Tensor Mask) RandomBatch(int rows, int length, int vocab, Device device, long seed)
    {
        using var gen = new TorchSharp.torch.Generator((ulong)seed, CPU);
        var ids = randint(3, vocab, [rows, length], ScalarType.Int64, generator: gen).to(device);
        var mask = ones(rows, length, ScalarType.Int64, device);
        return (ids, mask);
    }

    /// <summary>One BT step on pre-tokenized pairs: the first half of the rows are chosen, the second rejected.</summary>
    public static double Step(RewardModel model, optim.Optimizer optimizer, Tensor ids, Tensor mask, Device device)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        var rewards = model.Forward(ids, mask);
        long pairs = rewards.shape[0] / 2;
        var loss = ConditionedRewardModel.BradleyTerryLoss(rewards.narrow(0, 0, pairs), rewards.narrow(0, pairs, pairs));
        loss.backward();
        GradientClipping.ClipByGlobalNorm(model.TrainableParameters().Select(p => p.Parameter), 1.0);
        optimizer.step();
        BenchModels.Synchronize(device);
        return pairs;
    }

    private static List<double> Measure(int repeats, int warmup, Action action)
    {
        for (int w = 0; w < warmup; w++) action();
        var times = new List<double>();
        for (int r = 0; r < repeats; r++)
        {
            var sw = Stopwatch.StartNew();
            action();
            times.Add(sw.Elapsed.TotalSeconds);
        }

        return times;
    }

    private static void Print(string head, string what, int items, List<double> times, int perItem, string rateName)
    {
        double median = times.Order().ElementAt(times.Count / 2);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{{head},\"what\":\"{what}\",\"batch\":{items},\"ms_median\":{median * 1000:F2},\"ms_best\":{times.Min() * 1000:F2},\"{rateName}\":{perItem / median:F1}}}"));
    }
}
