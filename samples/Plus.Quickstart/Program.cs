// Plus.Sdk quickstart: builds Pets and Pets-OOD, trains BTL, PLUS-untrained and PLUS on the embedded tiny model,
// evaluates each on the Pets test split and on Pets-OOD, prints a table shaped like the paper's Table 1 and the
// summaries of a dog-preferring and a cat-preferring user before and after PPO, checks that editing a PLUS summary
// (naming the other animal) flips its predictions, and writes checkpoints, metrics, each trained model in the
// portable format (artifacts/quickstart/models/<method>/, docs/trained-models.md) and
// artifacts/quickstart/results.json (schema: docs/results.md).
//
//   dotnet run --project samples/Plus.Quickstart -c Release [-- --seed 7 --out artifacts/quickstart --model-dir DIR --fresh]
//
// A run pointed at an --out folder with checkpoints resumes from them (an interrupted run continues, a finished one
// only evaluates); --fresh deletes them first. Experiment flags: --temperature --actor-lr --kl --rm-lr --ppo-epochs
// --plus-epochs --freeze-steps --methods (e.g. PLUS) --threads --train-limit --device.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus;
using Plus.Data;
using Plus.Metrics;
using Plus.Prompts;
using Plus.Terminal.Progress;
using Plus.Torch;
using Plus.Torch.Modeling;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

var clock = Stopwatch.StartNew();
int seed = int.Parse(Arg("--seed", "7"), CultureInfo.InvariantCulture);
string outDir = Path.GetFullPath(Arg("--out", Path.Combine("artifacts", "quickstart")));
string? modelDir = ArgOrNull("--model-dir");
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
    Console.WriteLine("Cancelling: the running stage writes a checkpoint and stops.");
};

TorchSharp.torch.set_num_threads(int.Parse(Arg("--threads", Math.Max(1, Environment.ProcessorCount).ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture));
var device = TorchRuntime.ResolveDevice(Arg("--device", "cpu"));
Directory.CreateDirectory(outDir);
foreach (var stage in new[] { "btl", "plus-untrained", "plus" })
{
    string checkpoints = Path.Combine(outDir, stage, "checkpoints");
    if (!Directory.Exists(checkpoints) || Directory.GetFileSystemEntries(checkpoints).Length == 0) continue;
    if (args.Contains("--fresh"))
    {
        Directory.Delete(Path.Combine(outDir, stage), recursive: true);
        Console.WriteLine($"--fresh: removed the earlier run's {stage} folder");
    }
    else
    {
        Console.WriteLine($"Note: {checkpoints} holds a checkpoint; {stage} resumes from it (pass --fresh to start over).");
    }
}

modelDir ??= DefaultModels.ExtractTinyQwen2();
var tokenizer = HfTokenizer.Load(modelDir);
var chat = new ChatMlFormatter();
var prompts = new PromptRenderer(PromptDomain.Pets);
Console.WriteLine($"Plus.Sdk quickstart (seed {seed}) on {device}; model {modelDir}");

// 1. Data.
var petsBuilder = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = seed });
var pets = petsBuilder.Build();
if (ArgOrNull("--train-limit") is { } limit)
    pets = new DatasetSplit(new ValueList<PreferenceExample>(pets.Train.Take(int.Parse(limit, CultureInfo.InvariantCulture))), pets.Test);
var petsOod = petsBuilder.BuildOod();
Console.WriteLine($"[data] Pets: {pets.Train.Count} train / {pets.Test.Count} test examples " +
    $"({pets.Train.Count(e => e.Group == ExampleGroups.Controversial)} controversial); Pets-OOD: {petsOod.Count} test examples " +
    $"({Elapsed()})");

var table = new ResultsTable();
var results = new JsonObject();
// The plus tool's progress display (Plus.Terminal): a live bar in a terminal; when output is redirected (CI, the tests)
// a line every 10 steps and at a stage's last step, and every notice (such as a resume from a checkpoint).
var display = new TrainingProgressDisplayOptions { PlainEverySteps = 10 };

// --methods picks a subset (comma-separated) for quick experiments; the table then has only those rows.
var methods = Arg("--methods", "BTL,PLUS-untrained,PLUS").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).ToHashSet(StringComparer.OrdinalIgnoreCase);

// 2. BTL: a reward model with no user information.
if (methods.Contains("BTL"))
{
    using var btlModel = NewRewardModel(seed);
    var trainer = new BradleyTerryTrainer(
        new BradleyTerryOptions
        {
            Kind = ConditioningKind.None, Epochs = 1, BatchSize = 32, LearningRate = 5e-4, Seed = seed,
            CheckpointDirectory = Path.Combine(outDir, "btl", "checkpoints"), CheckpointEvery = 20,
            MetricsPath = Path.Combine(outDir, "btl", "metrics.jsonl"), LogEvery = 10,
        },
        () => btlModel,
        ownsModels: false);
    Console.WriteLine($"[BTL] training on {pets.Train.Count} pairs ({Elapsed()})");
    using var model = await TrainingProgressDisplay.RunAsync((progress, ct) => trainer.TrainModelAsync(pets.Train, progress: progress, cancellationToken: ct), display, cts.Token);
    await EvaluateAsync("BTL", model);
    await SaveAsync(model);
}

// 3. PLUS-untrained and PLUS: summarizer + summary-conditioned reward model.
var summariesBefore = new Dictionary<string, string>();
var summariesAfter = new Dictionary<string, string>();
var dogUser = pets.Test.First(e => e.UserType == "dog");
var catUser = pets.Test.First(e => e.UserType == "cat");
foreach (bool trainSummarizer in new[] { false, true })
{
    string name = trainSummarizer ? "PLUS" : "PLUS-untrained";
    if (!methods.Contains(name)) continue;
    using var summarizerModel = CausalLM.FromPretrained(modelDir, device);
    using var rewardModel = NewRewardModel(seed);
    var tiny = new PlusTrainerOptions(); // the tiny-model defaults; the flags override them
    var options = new PlusTrainerOptions
    {
        Domain = PromptDomain.Pets, TrainSummarizer = trainSummarizer, Seed = seed,
        Epochs = int.Parse(Arg("--plus-epochs", "2"), CultureInfo.InvariantCulture),
        Temperature = double.Parse(Arg("--temperature", tiny.Temperature.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        // The first 40 of the 124 steps train the reward model (and the critic) on the untrained summarizer's summaries
        // before PPO moves the summarizer: until the reward model reads summaries, their reward is noise.
        FreezeSummarizerSteps = int.Parse(Arg("--freeze-steps", "40"), CultureInfo.InvariantCulture),
        ActorLearningRate = double.Parse(Arg("--actor-lr", tiny.ActorLearningRate.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        RewardLearningRate = double.Parse(Arg("--rm-lr", tiny.RewardLearningRate.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        KlCoefficient = double.Parse(Arg("--kl", tiny.KlCoefficient.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture),
        Ppo = new Plus.Torch.Rl.PpoSettings { MiniBatchSize = 16, Epochs = int.Parse(Arg("--ppo-epochs", "1"), CultureInfo.InvariantCulture) },
        CheckpointDirectory = Path.Combine(outDir, name.ToLowerInvariant(), "checkpoints"),
        MetricsPath = Path.Combine(outDir, name.ToLowerInvariant(), "metrics.jsonl"),
    };
    using var trainer = new PlusTrainer(summarizerModel, tokenizer, rewardModel, options);
    if (trainSummarizer)
    {
        foreach (var user in new[] { dogUser, catUser })
            summariesBefore[user.UserType!] = (await trainer.Summarizer.SummarizeAsync([user.Context], cts.Token))[0].Text;
    }

    Console.WriteLine($"[{name}] co-training on {pets.Train.Count} examples, rollout batch {options.RolloutBatchSize} ({Elapsed()})");
    using var model = await TrainingProgressDisplay.RunAsync((progress, ct) => trainer.TrainModelAsync(pets.Train, progress: progress, cancellationToken: ct), display, cts.Token);
    if (trainSummarizer)
    {
        foreach (var user in new[] { dogUser, catUser })
            summariesAfter[user.UserType!] = (await trainer.Summarizer.SummarizeAsync([user.Context], cts.Token))[0].Text;
    }

    await EvaluateAsync(name, model);
    await DescribeSummariesAsync(name, trainer.Summarizer);
    await EditedSummariesAsync(name, model);
    await SaveAsync(model);
}

// 4. Report.
Console.WriteLine();
Console.WriteLine("Accuracy (%) on all test pairs:");
Console.WriteLine(table.ToMarkdown());
Console.WriteLine("Accuracy (%) on the controversial pairs (the user-dependent choice):");
Console.WriteLine(table.ToMarkdown(ExampleGroups.Controversial));
Console.WriteLine("Summaries before and after PPO:");
foreach (var type in summariesBefore.Keys)
{
    Console.WriteLine($"  {type}-preferring user, before: {summariesBefore[type]}");
    Console.WriteLine($"  {type}-preferring user, after:  {summariesAfter[type]}");
}

var json = new JsonObject
{
    ["datasets"] = results,
    ["summaries"] = new JsonObject
    {
        ["dog"] = new JsonObject { ["before"] = summariesBefore.GetValueOrDefault("dog"), ["after"] = summariesAfter.GetValueOrDefault("dog") },
        ["cat"] = new JsonObject { ["before"] = summariesBefore.GetValueOrDefault("cat"), ["after"] = summariesAfter.GetValueOrDefault("cat") },
    },
    ["seed"] = seed,
    ["elapsed_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
};
string resultsPath = Path.Combine(outDir, "results.json");
AtomicFile.WriteAllText(resultsPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
await table.SaveAsync(Path.Combine(outDir, "table.json"));
Console.WriteLine($"Wrote {resultsPath} ({Elapsed()}).");
return 0;

ConditionedRewardModel NewRewardModel(int headSeed)
{
    var rm = RewardModel.FromPretrained(modelDir, device, newHeadSeed: headSeed);
    return new ConditionedRewardModel(rm, new RewardTextEncoder(tokenizer, chat, new ConditioningRenderer(prompts)), batchSize: 64);
}

async Task EvaluateAsync(string method, IPreferenceModel model)
{
    foreach (var (dataset, examples) in new[] { ("pets", pets.Test), ("pets-ood", petsOod) })
    {
        var report = await Evaluator.EvaluateAsync(model, examples, batchSize: 64, cts.Token);
        table.SetRuns(dataset, method, [report]);
        var entry = new JsonObject { ["accuracy"] = Math.Round(report.Accuracy, 4) };
        foreach (var (group, g) in report.Groups)
            entry[group + "_accuracy"] = Math.Round(g.Accuracy, 4);
        ((results[dataset] ??= new JsonObject()).AsObject())[method] = entry;
        string controversial = report.Groups.TryGetValue(ExampleGroups.Controversial, out var c) ? $"{c.Accuracy:P1}" : "n/a";
        Console.WriteLine($"[{method}] {dataset}: accuracy {report.Accuracy:P1}, controversial {controversial} ({Elapsed()})");
    }
}

// How many test users' summaries name the animal the user prefers before any mention of the other: what the reward model
// needs to read from a summary on Pets (and what the paper's untrained summarizer sometimes missed).
async Task DescribeSummariesAsync(string method, IUserSummarizer summarizer)
{
    foreach (var (dataset, examples) in new[] { ("pets", pets.Test), ("pets-ood", petsOod) })
    {
        var users = examples.GroupBy(e => e.Context).Select(g => g.First()).ToList();
        var summaries = await summarizer.SummarizeAsync(users.Select(u => u.Context).ToList(), cts.Token);
        int naming = 0;
        for (int i = 0; i < users.Count; i++)
        {
            string preferred = users[i].Context.Pairs[0].Chosen[..3], other = users[i].Context.Pairs[0].Rejected[..3];
            string text = summaries[i].Text;
            int p = text.IndexOf(preferred, StringComparison.OrdinalIgnoreCase), o = text.IndexOf(other, StringComparison.OrdinalIgnoreCase);
            if (p >= 0 && (o < 0 || p < o)) naming++;
        }

        double fraction = users.Count == 0 ? 0 : naming / (double)users.Count;
        results[dataset]![method]!["summaries_naming_preferred"] = Math.Round(fraction, 4);
        Console.WriteLine($"[{method}] {dataset}: {naming} of {users.Count} test users' summaries name their animal first ({Elapsed()})");
    }
}

// Users can read and edit their summaries: for every controversial Pets test pair, swap the animal the model's summary
// names (dogs ↔ cats) and predict again with the edited summary. The share of predictions that flip side says whether the
// reward model reads the summary.
async Task EditedSummariesAsync(string method, TrainedModel model)
{
    var controversial = pets.Test.Where(e => e.Group == ExampleGroups.Controversial).ToList();
    var summaries = await model.SummarizeAsync(controversial.Select(e => e.Context), cts.Token);
    int tested = 0, flipped = 0;
    foreach (var example in controversial)
    {
        string text = summaries[example.Context].Text;
        string edited = SwapAnimals(text);
        if (edited == text) continue;
        tested++;
        var t = example.Target;
        var before = await model.Predictor.PredictAsync(example.Context, t.Prompt, t.Chosen, t.Rejected, summaries[example.Context], cts.Token);
        var after = await model.Predictor.PredictAsync(example.Context, t.Prompt, t.Chosen, t.Rejected, UserSummary.FromUser(edited), cts.Token);
        if ((before.ProbabilityFirst > 0.5) != (after.ProbabilityFirst > 0.5)) flipped++;
    }

    double share = tested == 0 ? 0 : flipped / (double)tested;
    results["pets"]![method]!["edited_summary_flips"] = Math.Round(share, 4);
    results["pets"]![method]!["edited_summaries_tested"] = tested;
    Console.WriteLine($"[{method}] pets: editing the summary to name the other animal flips {flipped} of {tested} controversial predictions ({Elapsed()})");
}

static string SwapAnimals(string text)
{
    var words = text.Split(' ');
    for (int i = 0; i < words.Length; i++)
    {
        foreach (var (a, b) in new[] { ("Dogs", "Cats"), ("Cats", "Dogs"), ("dogs", "cats"), ("cats", "dogs"), ("Dog", "Cat"), ("Cat", "Dog"), ("dog", "cat"), ("cat", "dog") })
        {
            if (words[i].StartsWith(a, StringComparison.Ordinal))
            {
                words[i] = b + words[i][a.Length..];
                break;
            }
        }
    }

    return string.Join(' ', words);
}

// Each trained method in the portable format (docs/trained-models.md); reload it anywhere with TrainedModel.Load or AddPlusModel.
async Task SaveAsync(TrainedModel model)
{
    string dir = Path.Combine(outDir, "models", model.Name.ToLowerInvariant());
    await model.SaveAsync(dir, cts.Token);
    Console.WriteLine($"[{model.Name}] saved to {dir} ({Elapsed()})");
}

string Elapsed() => FormattableString.Invariant($"{clock.Elapsed.TotalSeconds:F0}s");

string Arg(string name, string fallback) => ArgOrNull(name) ?? fallback;

string? ArgOrNull(string name)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : null;
}
