using System.Diagnostics;
using System.Globalization;
using Plus.Benchmarks.Generation;
using Plus.Data;
using Plus.Prompts;
using Plus.Torch;
using Plus.Torch.Chat;
using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Generation;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Diagnostics;

/// <summary>
/// <c>soak</c>: a long run on the embedded tiny model (plus-tiny-qwen2), to show that memory stays flat: first
/// <c>--steps</c> Bradley-Terry training steps (a <see cref="BradleyTerryStep"/> on batches of 4 short Pets pairs),
/// then <c>--generations</c> seeded sampled generations (one prompt per call, up to 16 new tokens), then
/// <c>--reloads</c> times (default 0) builds and disposes a wider model of the same architecture (hidden 512, MLP
/// 2,048: 63 MB of fp32 weights), to tell a leak of weights from TorchSharp's tensor count. Every
/// <c>--report-every</c> steps or generations it prints one JSON line with the resident memory (Linux <c>VmRSS</c>),
/// the managed heap after a full collection, native memory estimated as resident minus the GC's committed bytes, and
/// TorchSharp's count of undisposed tensors; a last line gives each phase's growth from its first report to its last
/// and the lowest and highest resident size it reported.
/// Not a timed benchmark: the seconds are printed only to size a run.
/// </summary>
internal static class SoakRun
{
    private const int BatchSize = 4;
    private const int MaxNewTokens = 16;

    public static int Run(string[] args)
    {
        string device = Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        int steps = 10_000, generations = 10_000, reloads = 0, every = 0;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"Option {args[i]} needs a value.");
            int NextCount()
            {
                string option = args[i];
                int value = int.Parse(Next(), CultureInfo.InvariantCulture);
                return value >= 0 ? value : throw new ArgumentException($"Option {option} must be at least 0, found {value}.");
            }

            switch (args[i])
            {
                case "--device": device = Next(); break;
                case "--steps": steps = NextCount(); break;
                case "--generations": generations = NextCount(); break;
                case "--reloads": reloads = NextCount(); break;
                case "--report-every": every = NextCount(); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: soak [--steps 10000] [--generations 10000] [--reloads 0] [--report-every max(count/10, 1)] [--device cpu|cuda]");
                    return 2;
            }
        }

        var (dev, _, _, _) = BenchModels.Resolve(device, "small");
        var sw = Stopwatch.StartNew();
        Report("start", 0, sw);

        var train = new List<Snapshot>();
        using (var model = TinyRewardModel(dev))
        {
            var pairs = Pairs(seed: 1);
            using var step = new BradleyTerryStep(model, new AdamWSettings(), new LearningRateSchedule(1e-4, Math.Max(steps, 1), 0.01));
            int reportEvery = every > 0 ? every : Math.Max(steps / 10, 1);
            for (int s = 1; s <= steps; s++)
            {
                var batch = Enumerable.Range(0, BatchSize).Select(j => pairs[((s - 1) * BatchSize + j) % pairs.Count]).ToList();
                var result = step.Step(batch);
                if (!double.IsFinite(result.Loss)) throw new InvalidOperationException($"Step {s}: the loss is {result.Loss}.");
                if (s % reportEvery == 0 || s == steps) train.Add(Report("train", s, sw));
            }
        }

        var generate = new List<Snapshot>();
        var (lm, tokenizer) = DefaultModels.LoadTinyQwen2(dev);
        using (lm)
        {
            lm.eval();
            var generator = new TextGenerator(lm, tokenizer, new ChatMlFormatter());
            var prompts = Enum.GetValues<PetAnimal>().Select(a => Conversation.FromUser($"Tell me about {a.ToString().ToLowerInvariant()}s.")).ToList();
            int reportEvery = every > 0 ? every : Math.Max(generations / 10, 1);
            long tokens = 0;
            for (int g = 1; g <= generations; g++)
            {
                var options = new TextGenerationOptions
                {
                    Generation = new GenerationOptions { MaxNewTokens = MaxNewTokens, DoSample = true, Temperature = 1.0, TopK = 40, TopP = 0.95, Seed = g },
                };
                var completion = generator.Generate([prompts[g % prompts.Count]], options)[0];
                tokens += completion.Text.Length;
                if (g % reportEvery == 0 || g == generations) generate.Add(Report("generate", g, sw));
            }

            GC.KeepAlive(tokens);
        }

        var reload = new List<Snapshot>();
        if (reloads > 0)
        {
            var wide = DecoderConfig.Load(DefaultModels.ExtractTinyQwen2()) with { HiddenSize = 512, IntermediateSize = 2048 };
            int reportEvery = every > 0 ? every : Math.Max(reloads / 10, 1);
            for (int r = 1; r <= reloads; r++)
            {
                using (var model = new CausalLM(wide, dev)) GC.KeepAlive(model);
                if (r % reportEvery == 0 || r == reloads) reload.Add(Report("reload", r, sw));
            }
        }

        var end = Report("end", 0, sw);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"soak\",\"phase\":\"summary\",\"device\":\"{dev}\",\"steps\":{steps},\"generations\":{generations}," +
            $"\"train_rss_min_mb\":{Min(train, x => x.RssMb):F1},\"train_rss_max_mb\":{Max(train, x => x.RssMb):F1},\"generate_rss_min_mb\":{Min(generate, x => x.RssMb):F1},\"generate_rss_max_mb\":{Max(generate, x => x.RssMb):F1}," +
            $"\"train_rss_growth_mb\":{Growth(train, x => x.RssMb):F1},\"train_native_growth_mb\":{Growth(train, x => x.NativeMb):F1},\"train_managed_growth_mb\":{Growth(train, x => x.ManagedMb):F1},\"train_live_tensor_growth\":{Growth(train, x => x.LiveTensors):F0}," +
            $"\"generate_rss_growth_mb\":{Growth(generate, x => x.RssMb):F1},\"generate_native_growth_mb\":{Growth(generate, x => x.NativeMb):F1},\"generate_managed_growth_mb\":{Growth(generate, x => x.ManagedMb):F1},\"generate_live_tensor_growth\":{Growth(generate, x => x.LiveTensors):F0}," +
            $"\"reload_rss_growth_mb\":{Growth(reload, x => x.RssMb):F1},\"reload_live_tensor_growth\":{Growth(reload, x => x.LiveTensors):F0}," +
            $"\"end_rss_mb\":{end.RssMb:F1},\"peak_rss_mb\":{Memory.ReadStatusKb("VmHWM") / 1024.0:F1},\"seconds\":{sw.Elapsed.TotalSeconds:F1}}}"));
        return 0;
    }

    private static double Min(IReadOnlyList<Snapshot> reports, Func<Snapshot, double> value) => reports.Count == 0 ? 0 : reports.Min(value);

    private static double Max(IReadOnlyList<Snapshot> reports, Func<Snapshot, double> value) => reports.Count == 0 ? 0 : reports.Max(value);

    /// <summary>Last report minus first report of a phase (0 with fewer than two reports).</summary>
    private static double Growth(IReadOnlyList<Snapshot> reports, Func<Snapshot, double> value) =>
        reports.Count < 2 ? 0 : value(reports[^1]) - value(reports[0]);

    private static Snapshot Report(string phase, int count, Stopwatch sw)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        double rss = Memory.ReadStatusKb("VmRSS") / 1024.0;
        double managed = GC.GetTotalMemory(false) / 1048576.0;
        double committed = GC.GetGCMemoryInfo().TotalCommittedBytes / 1048576.0;
        var snapshot = new Snapshot(rss, managed, rss - committed, Tensor.TotalCount);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{{\"bench\":\"soak\",\"phase\":\"{phase}\",\"count\":{count},\"rss_mb\":{rss:F1},\"managed_mb\":{managed:F1},\"native_mb\":{snapshot.NativeMb:F1},\"live_tensors\":{snapshot.LiveTensors},\"seconds\":{sw.Elapsed.TotalSeconds:F1}}}"));
        return snapshot;
    }

    /// <summary>The embedded tiny Qwen2 as a reward model (fresh head), ChatML, Pets prompts, 128 tokens at most.</summary>
    private static ConditionedRewardModel TinyRewardModel(Device device)
    {
        var (lm, tokenizer) = DefaultModels.LoadTinyQwen2(device);
        var encoder = new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets)), maxLength: 128);
        return new ConditionedRewardModel(RewardModel.FromCausalLM(lm, headSeed: 3), encoder, BatchSize);
    }

    /// <summary>256 short pairs: a question about an animal, a sentence about it (chosen) and one about another (rejected).</summary>
    private static List<ConditionedPair> Pairs(int seed)
    {
        var rng = new Random(seed);
        var animals = Enum.GetValues<PetAnimal>();
        var pairs = new List<ConditionedPair>(256);
        for (int i = 0; i < 256; i++)
        {
            var animal = animals[rng.Next(animals.Length)];
            var other = animals[(Array.IndexOf(animals, animal) + 1 + rng.Next(animals.Length - 1)) % animals.Length];
            var chosen = PetsSentences.Default[animal];
            var rejected = PetsSentences.Default[other];
            var prompt = Conversation.FromUser($"Tell me about {animal.ToString().ToLowerInvariant()}s.");
            pairs.Add(new ConditionedPair(new PreferencePair(prompt, chosen[rng.Next(chosen.Count)], rejected[rng.Next(rejected.Count)]), UserConditioning.None));
        }

        return pairs;
    }

    private sealed record Snapshot(double RssMb, double ManagedMb, double NativeMb, long LiveTensors);
}
