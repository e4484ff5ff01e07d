using System.Globalization;
using Plus.Benchmarks.Generation;
using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Training;

/// <summary>
/// <c>plus-step</c>: runs a few PLUS co-training steps (Algorithm 1) on random-weight models of a chosen shape and
/// prints one JSON line per step with the time spent in generation, reward scoring, the PPO update and the reward
/// model update. With <c>--device cuda</c> it uses the Qwen2.5-0.5B shape in bf16 (summarizer and reward model).
/// </summary>
internal static class PlusStepComparison
{
    private sealed class SyncProgress(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }

    public static int Run(string[] args)
    {
        string device = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        string? shape = null, tokenizerPath = null, dtypeName = null;
        int steps = 3, batch = 32, summaryTokens = 64;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            switch (args[i])
            {
                case "--device": device = Next(); break;
                case "--shape": shape = Next(); break;
                case "--tokenizer": tokenizerPath = Next(); break;
                case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--batch": batch = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--summary-tokens": summaryTokens = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                case "--dtype": dtypeName = Next(); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: plus-step [--device cpu|cuda] [--shape qwen0.5b|small] " +
                        "[--tokenizer PATH] [--steps 3] [--batch 32] [--summary-tokens 64] [--dtype fp32|bf16]");
                    return 2;
            }
        }

        var (dev, dtype, config, name) = BenchModels.Resolve(device, shape);
        dtype = dtypeName switch
        {
            null => dtype,
            "fp32" => ScalarType.Float32,
            "bf16" => ScalarType.BFloat16,
            _ => throw new ArgumentException($"Unknown --dtype '{dtypeName}'; use fp32 or bf16."),
        };
        tokenizerPath ??= name == "qwen0.5b" ? "tests/fixtures/tokenizer/tokenizer.json.gz" : "tests/fixtures/tiny-chat";
        var tokenizer = HfTokenizer.Load(tokenizerPath);
        if (tokenizer.VocabSize > config.VocabSize) config = config with { VocabSize = tokenizer.VocabSize };
        Console.Error.WriteLine($"plus-step: device {dev}, dtype {dtype}, shape {name}, batch {batch}, summary tokens {summaryTokens}, steps {steps}");

        using var summarizer = CausalLM.Create(config, seed: 1, dev, dtype);
        using var rewardModel = new ConditionedRewardModel(
            RewardModel.FromCausalLM(CausalLM.Create(config, seed: 2, dev, dtype), headSeed: 3),
            new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets))),
            batchSize: batch);
        var data = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 1 }).Build().Train.Take(batch * steps).ToList();
        var options = new PlusTrainerOptions
        {
            Domain = PromptDomain.Pets, RolloutBatchSize = batch, RewardMiniBatchSize = Math.Min(batch, 16),
            MaxSummaryTokens = summaryTokens, Ppo = new Plus.Torch.Rl.PpoSettings { MiniBatchSize = Math.Min(batch, 8) },
        };
        using var trainer = new PlusTrainer(summarizer, tokenizer, rewardModel, options);
        var progress = new SyncProgress(p =>
        {
            BenchModels.Synchronize(dev);
            // Written by hand: the trimmed GPU publish disables reflection-based System.Text.Json serialization.
            var line = new System.Text.StringBuilder(string.Create(CultureInfo.InvariantCulture,
                $"{{\"bench\":\"plus-step\",\"device\":\"{dev}\",\"shape\":\"{name}\",\"step\":{p.Step},\"batch\":{batch}"));
            foreach (var key in new[] { "generation_seconds", "scoring_seconds", "ppo_seconds", "rm_seconds", "summary_tokens", "summaries_per_second", "reward_mean", "kl" })
            {
                if (p.Metrics.TryGetValue(key, out double v) && double.IsFinite(v)) line.Append(CultureInfo.InvariantCulture, $",\"{key}\":{Math.Round(v, 4)}");
            }

            Console.WriteLine(line.Append('}').ToString());
        });
        trainer.TrainAsync(data, progress: progress).GetAwaiter().GetResult();
        return 0;
    }
}
