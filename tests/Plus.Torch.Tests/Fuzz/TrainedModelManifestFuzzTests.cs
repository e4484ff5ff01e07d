using System.Text;
using System.Text.Json.Nodes;
using Plus.Data;
using Plus.Fuzzing;
using Plus.Prompts;
using Plus.Torch.Lora;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// <c>plus.json</c> of a saved model (full BTL and BTL with LoRA, whose <c>base_model</c> points outside the folder)
/// under mutated manifests: <see cref="TrainedModel.Load"/> loads it or throws a <see cref="TrainedModelException"/>
/// whose message names a file of the model folder; no path of the manifest leads outside the folder, and a base model
/// is used only when its digest matches.
/// </summary>
public sealed class TrainedModelManifestFuzzTests
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    private static async Task<string> SaveAsync(string root, string name, bool lora)
    {
        var tokenizer = HfTokenizer.Load(ModelDir);
        var train = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 3 }).Build().Train.Take(8).ToList();
        var options = new BradleyTerryOptions
        {
            BatchSize = 4, MaxSteps = 1, LearningRate = 1e-3, Seed = 4,
            Lora = lora ? new LoraSettings { Rank = 2, Alpha = 4 } : null,
        };
        var trainer = new BradleyTerryTrainer(options, () => new ConditionedRewardModel(
            RewardModel.FromPretrained(ModelDir, newHeadSeed: 5),
            new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets))),
            batchSize: 4));
        using var model = await trainer.TrainModelAsync(train);
        string dir = Path.Combine(root, name);
        await model.SaveAsync(dir);
        return dir;
    }

    private static void CopyFolder(string from, string to)
    {
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            string target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    /// <summary>Points one path of the manifest at the trap folder (relative or absolute) or at the trap base model.</summary>
    private static string Redirect(Mutator m, string json, string trap, string trapBase)
    {
        var root = JsonNode.Parse(json)!.AsObject();
        string[] targets = ["../trap/reward_model", "../../x/../trap", trap + "/reward_model", "reward_model/../../trap/reward_model", "./reward_model", "reward_model\\..\\..\\trap"];
        string target = targets[m.Random.Next(targets.Length)];
        var reward = root["reward_model"]!.AsObject();
        switch (m.Random.Next(4))
        {
            case 0:
                reward["path"] = target;
                break;
            case 1:
                var files = root["files"]!.AsArray();
                files[m.Random.Next(files.Count)]!["path"] = target + "/model.safetensors";
                break;
            case 2:
                if (reward["base_model"] is JsonObject b) b["name_or_path"] = trapBase;
                else reward["path"] = target;
                break;
            default:
                root["summarizer"] = new JsonObject
                {
                    ["path"] = m.Random.Next(2) == 0 ? target : null,
                    ["format"] = m.Random.Next(2) == 0 ? "peft-lora" : "base",
                    ["base_model"] = new JsonObject { ["name_or_path"] = trapBase, ["default_model"] = null, ["sha256"] = new string('0', 64) },
                    ["chat_format"] = "chatml",
                    ["sampling"] = new JsonObject
                    {
                        ["max_summary_tokens"] = 4, ["max_summary_words"] = 8, ["do_sample"] = false, ["temperature"] = 1.0,
                        ["top_p"] = 1.0, ["top_k"] = 0, ["seed"] = 1, ["batch_size"] = 2,
                    },
                };
                break;
        }

        return root.ToJsonString();
    }

    [Fact]
    public async Task Mutated_manifests_load_or_fail_with_a_TrainedModelException_naming_the_file()
    {
        using var dir = new TempDir();
        string full = await SaveAsync(dir.Path, "saved-btl", lora: false);
        string lora = await SaveAsync(dir.Path, "saved-lora", lora: true);

        // A valid model waits outside the fuzzed folder, and a copy of the base model whose digest differs (one
        // more newline in its config.json): a loader that followed a manifest path out, or took a base model without
        // checking it, would load them.
        string trap = Path.Combine(dir.Path, "trap");
        CopyFolder(full, trap);
        string trapBase = Path.Combine(dir.Path, "trap-base");
        CopyFolder(ModelDir, trapBase);
        File.AppendAllText(Path.Combine(trapBase, "config.json"), "\n");

        var corpus = new[] { full, lora }.Select(d => File.ReadAllBytes(Path.Combine(d, "plus.json"))).ToList();
        var folders = new[] { full, lora }.Select(d => Path.Combine(dir.Path, "fuzz", Path.GetFileName(d))).ToList();
        for (int i = 0; i < 2; i++) CopyFolder(i == 0 ? full : lora, folders[i]);

        int which = 0;
        var report = FuzzRunner.Run(
            "trained-model-manifest",
            FuzzRunner.Iterations(400),
            FuzzRunner.Seed(13),
            (m, _) =>
            {
                which = m.Random.Next(corpus.Count);
                byte[] seed = corpus[which];
                return m.Random.Next(6) switch
                {
                    0 => m.MutateBytes(seed, corpus),
                    1 => Encoding.UTF8.GetBytes(Redirect(m, Encoding.UTF8.GetString(seed), trap, trapBase)),
                    _ => Encoding.UTF8.GetBytes(m.MutateJson(Encoding.UTF8.GetString(seed))),
                };
            },
            input =>
            {
                string folder = folders[which];
                File.WriteAllBytes(Path.Combine(folder, "plus.json"), input);
                using var model = TrainedModel.Load(folder);

                // It loaded: then every path it followed was inside the folder and every base model matched.
                var manifest = TrainedModelManifest.Parse(Encoding.UTF8.GetString(input), Path.Combine(folder, "plus.json"));
                foreach (string? p in manifest.Files.Select(f => f.Path).Append(manifest.RewardModel.Path).Append(manifest.Summarizer?.Path))
                {
                    if (p is null) continue;
                    Assert.False(Path.IsPathRooted(p) || p.Split('/', '\\').Contains(".."), $"loaded through '{p}'");
                }

                foreach (var b in new[] { manifest.RewardModel.BaseModel, manifest.Summarizer?.BaseModel })
                {
                    Assert.True(b is null || Path.GetFullPath(b.NameOrPath) != Path.GetFullPath(trapBase), "loaded the base model whose digest differs");
                }
            },
            ex => ex is TrainedModelException t
                ? (t.Message.Contains(dir.Path, StringComparison.Ordinal) ? null : "the message does not name a file of the model folder")
                : $"{ex.GetType().Name} is not the documented TrainedModelException");

        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(TrainedModelException)) > report.Total / 4, report.ToString());
    }
}
