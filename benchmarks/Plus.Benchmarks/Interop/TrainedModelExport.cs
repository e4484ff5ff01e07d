using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Lora;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;

namespace Plus.Benchmarks.Interop;

/// <summary>
/// <c>trained-model-export --model DIR --out DIR [--steps N]</c>: trains a BTL reward model fully and with LoRA for a few
/// steps on the given HF folder (fp32, CPU), saves both in the trained-model format, and writes next to each
/// <c>scores.json</c> with the exact reward-model texts (<c>RewardTextEncoder.RenderText</c>) and our scores. The
/// GPU script's <c>trained-model</c> stage then loads the folders with transformers/PEFT
/// (benchmarks/python/hf_trained_model_check.py) and compares the scores (docs/trained-models.md).
/// </summary>
internal static class TrainedModelExport
{
    public static int Run(string[] args)
    {
        string? model = null, output = null;
        int steps = 4;
        for (int i = 1; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value.");
            switch (args[i])
            {
                case "--model": model = Next(); break;
                case "--out": output = Next(); break;
                case "--steps": steps = int.Parse(Next(), CultureInfo.InvariantCulture); break;
                default:
                    Console.Error.WriteLine($"Unknown option '{args[i]}'. Usage: trained-model-export --model DIR --out DIR [--steps N]");
                    return 2;
            }
        }

        if (model is null || output is null)
        {
            Console.Error.WriteLine("Usage: trained-model-export --model DIR --out DIR [--steps N]");
            return 2;
        }

        var tokenizer = HfTokenizer.Load(model);
        var renderer = new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets));
        var data = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 1 }).Build();
        var train = data.Train.Take(64).ToList();
        var probes = data.Test.Take(8).ToList();
        foreach (var (name, lora) in new[] { ("btl-full", false), ("btl-lora", true) })
        {
            var options = new BradleyTerryOptions
            {
                MaxSteps = steps, BatchSize = 16, Seed = 3, LearningRate = 1e-3,
                Lora = lora ? new LoraSettings { Rank = 4, Alpha = 8 } : null,
            };
            var trainer = new BradleyTerryTrainer(options, () => new ConditionedRewardModel(
                RewardModel.FromPretrained(model, newHeadSeed: 0), new RewardTextEncoder(tokenizer, new ChatMlFormatter(), renderer)));
            using var trained = trainer.TrainModelAsync(train).GetAwaiter().GetResult();
            string dir = Path.Combine(output, name);
            trained.SaveAsync(dir).GetAwaiter().GetResult();
            var queries = probes.SelectMany(e => new[]
            {
                new RewardQuery(e.Target.Prompt, e.Target.Chosen, UserConditioning.None),
                new RewardQuery(e.Target.Prompt, e.Target.Rejected, UserConditioning.None),
            }).ToList();
            var scores = trained.RewardModel.Score(queries);
            var entries = new JsonArray();
            for (int i = 0; i < queries.Count; i++)
            {
                entries.Add(new JsonObject { ["text"] = trained.RewardModel.Encoder.RenderText(queries[i]), ["score"] = scores[i] });
            }

            File.WriteAllText(Path.Combine(dir, "scores.json"), new JsonObject { ["model"] = name, ["scores"] = entries }.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine(JsonSerializer.Serialize(new { impl = "plus-torchsharp", model = name, dir, scores = scores.Count }));
        }

        return 0;
    }
}
