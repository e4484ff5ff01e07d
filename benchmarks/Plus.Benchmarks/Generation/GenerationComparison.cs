using System.Diagnostics;
using System.Globalization;
using Plus.Torch.Generation;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Generation;

/// <summary>
/// <c>gen-compare</c>: a plain console measurement of sampled generation throughput (new tokens per second) for
/// several batch sizes, matching <c>benchmarks/python/hf_generate_bench.py</c> (same shape, random weights, prompt
/// length, new tokens, temperature 1.0, top-k 50, no stop tokens). Prints one JSON line per batch size.
/// </summary>
internal static class GenerationComparison
{
    public static int Run(string[] args)
    {
        string device = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        string? shape = null;
        int[] batches = [1, 32, 128];
        int prompt = 128, newTokens = 128, repeats = 3, warmup = 1, loraRank = 0;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--device": device = Next(); break;
                case "--shape": shape = Next(); break;
                case "--batches": batches = [.. Next().Split(',').Select(s => int.Parse(s, CultureInfo.InvariantCulture))]; break;
                case "--prompt": prompt = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--new": newTokens = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--repeats": repeats = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--warmup": warmup = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--lora-rank": loraRank = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: gen-compare [--device cpu|cuda] [--shape qwen0.5b|small] " +
                        "[--batches 1,32,128] [--prompt 128] [--new 128] [--repeats 3] [--warmup 1] [--lora-rank 0]");
                    return 2;
            }
        }

        var (dev, dtype, config, name) = BenchModels.Resolve(device, shape);
        Console.Error.WriteLine($"gen-compare: device {dev}, dtype {dtype}, shape {name}, prompt {prompt}, new {newTokens}, batches {string.Join(",", batches)}");
        using var model = CausalLM.Create(config, seed: 1, dev, dtype);
        // With --lora-rank, every projection carries an adapter (alpha 2r), as in a PPO rollout of a LoRA policy.
        if (loraRank > 0) LoraAdapter.Inject(model, new LoraSettings { Rank = loraRank, Alpha = 2 * loraRank }, seed: 2);
        model.eval();
        var generator = new TokenGenerator(model);
        var options = new GenerationOptions { MaxNewTokens = newTokens, DoSample = true, Temperature = 1.0, TopK = 50, TopP = 1.0 };
        foreach (int batch in batches)
        {
            using var scope = NewDisposeScope();
            using var gen = new TorchSharp.torch.Generator(7, CPU);
            var ids = randint(3, config.VocabSize, [batch, prompt], ScalarType.Int64, generator: gen).to(dev);
            var mask = ones(batch, prompt, ScalarType.Int64, dev);
            for (int w = 0; w < warmup; w++)
            {
                using var o = generator.Generate(ids, mask, options with { Seed = w });
            }

            BenchModels.Synchronize(dev);
            var times = new List<double>();
            int steps = 0;
            for (int r = 0; r < repeats; r++)
            {
                var sw = Stopwatch.StartNew();
                using var o = generator.Generate(ids, mask, options with { Seed = 100 + r });
                BenchModels.Synchronize(dev);
                times.Add(sw.Elapsed.TotalSeconds);
                steps = o.Steps;
            }

            // Prefill alone, to separate it from the decode loop.
            double prefill;
            using (var cache = model.CreateCache(batch, prompt + 1))
            using (no_grad())
            {
                var sw = Stopwatch.StartNew();
                using var h = model.ForwardHidden(ids, mask, null, cache);
                BenchModels.Synchronize(dev);
                prefill = sw.Elapsed.TotalSeconds;
            }

            double best = times.Min();
            double median = times.Order().ElementAt(times.Count / 2);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{{\"impl\":\"plus-torchsharp\",\"device\":\"{dev}\",\"dtype\":\"{dtype}\",\"shape\":\"{name}\",\"lora_rank\":{loraRank},\"batch\":{batch},\"prompt\":{prompt},\"new_tokens\":{steps}," +
                $"\"seconds_median\":{median:F4},\"seconds_best\":{best:F4},\"new_tokens_per_s\":{batch * steps / median:F1},\"prefill_s\":{prefill:F4}," +
                $"\"decode_ms_per_step\":{(median - prefill) * 1000 / steps:F3}}}"));
        }

        return 0;
    }
}
