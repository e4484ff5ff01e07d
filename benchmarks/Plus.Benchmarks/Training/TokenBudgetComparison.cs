using System.Diagnostics;
using System.Globalization;
using Plus.Benchmarks.Generation;
using Plus.Benchmarks.Diagnostics;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Training;

/// <summary>
/// <c>bt-budget</c>: Bradley-Terry training of the embedded tiny model on generated pairs with the issue's length
/// profile (<see cref="LengthProfileData"/>), with or without a token budget; prints pairs/s and the process's peak
/// resident memory above what it held before training (Linux <c>VmHWM</c> − <c>VmRSS</c>). Run each budget in its
/// own process: the peak is per process.
/// </summary>
internal static class TokenBudgetComparison
{
    public static int Run(string[] args)
    {
        string device = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        int pairs = 32, batch = 16, budget = 0, steps = 0, microBatch = 0;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            int NextInt() => int.Parse(Next(), CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--device": device = Next(); break;
                case "--pairs": pairs = NextInt(); break;
                case "--batch": batch = NextInt(); break;
                case "--budget": budget = NextInt(); break;
                case "--steps": steps = NextInt(); break;
                case "--micro-batch": microBatch = NextInt(); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: bt-budget [--device cpu|cuda] [--pairs 32] [--batch 16] [--budget 0] [--micro-batch 0] [--steps pairs/batch]");
                    return 2;
            }
        }

        var (dev, _, _, _) = BenchModels.Resolve(device, "small");
        using var model = LengthProfileData.TinyRewardModel(dev);
        var data = LengthProfileData.Pairs(model, pairs, seed: 1);
        var (median, p90, max) = LengthProfileData.Profile(model, data);
        using var step = new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-5, 1000, 0), microBatchSize: microBatch) { MaxTokensPerMicroBatch = budget };
        int total = steps > 0 ? steps : Math.Max(1, pairs / batch);
        long rssBefore = Memory.ReadStatusKb("VmRSS");
        var sw = Stopwatch.StartNew();
        int done = 0, microBatches = 0;
        long peakTokens = 0;
        for (int s = 0; s < total; s++)
        {
            var slice = Enumerable.Range(0, batch).Select(j => data[(s * batch + j) % data.Count]).ToList();
            step.Step(slice);
            done += slice.Count;
            microBatches += step.LastMicroBatches;
            peakTokens = Math.Max(peakTokens, step.LastPeakTokens);
        }

        BenchModels.Synchronize(dev);
        double seconds = sw.Elapsed.TotalSeconds;
        long peak = Memory.ReadStatusKb("VmHWM");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"bt-budget\",\"device\":\"{dev}\",\"budget\":{budget},\"micro_batch\":{microBatch},\"batch\":{batch},\"steps\":{total},\"pairs\":{done}," +
            $"\"length_median\":{median},\"length_p90\":{p90},\"length_max\":{max},\"micro_batches\":{microBatches},\"peak_micro_batch_tokens\":{peakTokens}," +
            $"\"seconds\":{seconds:F2},\"pairs_per_s\":{done / seconds:F2},\"peak_rss_mb\":{peak / 1024.0:F0},\"peak_rss_above_start_mb\":{(peak - rssBefore) / 1024.0:F0}}}"));
        return 0;
    }
}
