// Plus.Sdk quickstart: builds Pets and Pets-OOD, trains BTL, PLUS-untrained and PLUS on the embedded tiny model,
// evaluates each on the Pets test split and on Pets-OOD, prints a table shaped like the paper's Table 1, how many summaries
// name the user's animal (and the other one) or copy a past response, and the summaries of the first dog, cat, rabbit and
// bird user before and after PPO, checks that editing a PLUS summary
// (naming the other animal) flips its predictions and how 24 hand-written summaries in plain words move them, and writes checkpoints, metrics, each trained model in the
// portable format (artifacts/quickstart/models/<method>/, docs/trained-models.md) and
// artifacts/quickstart/results.json (schema: docs/results.md).
//
//   dotnet run --project samples/Plus.Quickstart -c Release [-- --seed 7 --out artifacts/quickstart --model-dir DIR --fresh]
//
// A run pointed at an --out folder with checkpoints resumes from them (an interrupted run continues, a finished one
// only evaluates); --fresh deletes them first. Experiment flags: --temperature --actor-lr --kl --rm-lr --ppo-epochs
// --plus-epochs --freeze-steps --methods (e.g. PLUS) --threads --train-limit --device --diagnose; the issue 15
// reward warm start (off by default, docs/plus.md): --reward-warm-steps --anchors --subject-lines --short-summary-prefix
// --simple-forms --warm-agreed --warm-override --label-smoothing --warm-label-smoothing --stated-phase --stated-lr --stated-single --stated-lora --stated-head-only --rm-head-only.
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus;
using Plus.Data;
using Plus.Inference;
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
double labelSmoothing = double.Parse(Arg("--label-smoothing", "0"), CultureInfo.InvariantCulture);
var chat = new ChatMlFormatter();
var rewardTemplates = DomainPromptTemplates.CreatePets();
if (args.Contains("--short-summary-prefix")) rewardTemplates.SummaryPrefix = "{summary}\n\n";
var prompts = new PromptRenderer(PromptDomain.Pets, rewardTemplates);
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
// 3a. Issue 15 experiment, off by default (docs/plus.md, "Summary-form reward warm start"): --reward-warm-steps N
// warm-starts PLUS's reward model on summary-like texts about non-animal subjects, --anchors N mixes such pairs into
// every reward-model update, --subject-lines and --short-summary-prefix change how the reward model reads a summary.
var (warmRewardDir, anchors, anchorsPerStep, diagnosticOnly) = await RewardWarmStartAsync();
if (diagnosticOnly) return 0; // --stated-phase only measures the warm-started reward model

var describedSummaries = new Dictionary<(string Dataset, string Method), List<string>>();
var changedByPpo = new Dictionary<string, (int Changed, int Users)>();
var summariesBefore = new Dictionary<string, string>();
var summariesAfter = new Dictionary<string, string>();
// The first test user of each type (not chosen by outcome): a dog and a cat person from Pets, a rabbit and a bird person from Pets-OOD.
var shownUsers = new List<PreferenceExample>
{
    pets.Test.First(e => e.UserType == "dog"), pets.Test.First(e => e.UserType == "cat"),
    petsOod.First(e => e.UserType == "rabbit"), petsOod.First(e => e.UserType == "bird"),
};
foreach (bool trainSummarizer in new[] { false, true })
{
    string name = trainSummarizer ? "PLUS" : "PLUS-untrained";
    if (!methods.Contains(name)) continue;
    using var summarizerModel = CausalLM.FromPretrained(modelDir, device);
    using var rewardModel = NewRewardModel(seed, warmRewardDir);
    if (args.Contains("--rm-head-only")) HeadOnly(rewardModel.Model);
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
        RewardAnchorsPerStep = anchors is null ? 0 : anchorsPerStep,
        RewardLabelSmoothing = labelSmoothing,
    };
    using var trainer = new PlusTrainer(summarizerModel, tokenizer, rewardModel, options, rewardAnchors: anchors);
    if (trainSummarizer)
    {
        foreach (var user in shownUsers)
            summariesBefore[user.UserType!] = (await trainer.Summarizer.SummarizeAsync([user.Context], cts.Token))[0].Text;
    }

    Console.WriteLine($"[{name}] co-training on {pets.Train.Count} examples, rollout batch {options.RolloutBatchSize} ({Elapsed()})");
    using var model = await TrainingProgressDisplay.RunAsync((progress, ct) => trainer.TrainModelAsync(pets.Train, progress: progress, cancellationToken: ct), display, cts.Token);
    if (trainSummarizer)
    {
        foreach (var user in shownUsers)
            summariesAfter[user.UserType!] = (await trainer.Summarizer.SummarizeAsync([user.Context], cts.Token))[0].Text;
    }

    await EvaluateAsync(name, model);
    if (args.Contains("--diagnose"))
    {
        foreach (var (label, set) in new[] { ("pets", pets.Test), ("pets-ood", petsOod) })
        {
            var controversial = set.Where(e => e.Group == ExampleGroups.Controversial).ToList();
            int right = 0;
            foreach (var e in controversial)
            {
                var stated = UserSummary.FromUser(StatedSummary(e));
                var p = await model.Predictor.PredictAsync(e.Context, e.Target.Prompt, e.Target.Chosen, e.Target.Rejected, stated, cts.Token);
                if (p.ProbabilityFirst > 0.5) right++;
            }

            Console.WriteLine($"[{name}] {label}: stated summaries ('The user chose X and rejected Y.') give controversial {right * 100.0 / controversial.Count:F1} %");
            var sample = await model.SummarizeAsync(controversial.Take(4).Select(e => e.Context), cts.Token);
            foreach (var e in controversial.Take(4)) Console.WriteLine($"    {e.UserType}: {sample[e.Context].Text}");
        }
    }

    await DescribeSummariesAsync(name, trainer.Summarizer);
    await EditedSummariesAsync(name, model);
    await HandWrittenSummariesAsync(name, model);
    await SaveAsync(model);
}

// 4. Report.
Console.WriteLine();
Console.WriteLine("Accuracy (%) on all test pairs:");
Console.WriteLine(table.ToMarkdown());
Console.WriteLine("Accuracy (%) on the controversial pairs (the user-dependent choice):");
Console.WriteLine(table.ToMarkdown(ExampleGroups.Controversial));
Console.WriteLine("Summaries before and after PPO (the first test user of each type, not chosen by outcome):");
foreach (var (dataset, (changed, users)) in changedByPpo)
    Console.WriteLine($"  {dataset}: PPO changed {changed} of {users} test users' summaries");

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
    },
    ["seed"] = seed,
    ["elapsed_seconds"] = Math.Round(clock.Elapsed.TotalSeconds, 1),
};
foreach (var user in shownUsers)
    json["summaries"]![user.UserType!] = new JsonObject { ["before"] = summariesBefore.GetValueOrDefault(user.UserType!), ["after"] = summariesAfter.GetValueOrDefault(user.UserType!) };
string resultsPath = Path.Combine(outDir, "results.json");
AtomicFile.WriteAllText(resultsPath, json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
await table.SaveAsync(Path.Combine(outDir, "table.json"));
Console.WriteLine($"Wrote {resultsPath} ({Elapsed()}).");
return 0;

ConditionedRewardModel NewRewardModel(int headSeed, string? from = null)
{
    var rm = from is null ? RewardModel.FromPretrained(modelDir, device, newHeadSeed: headSeed) : RewardModel.FromPretrained(from, device);
    return new ConditionedRewardModel(rm, new RewardTextEncoder(tokenizer, chat, new ConditioningRenderer(prompts), subjectLines: args.Contains("--subject-lines")), batchSize: 64);
}

// A test user's true preference written as a summary: "The user chose Rabbits and rejected Birds." (or, single, only
// "The user chose Rabbits."), from the Oracle text "This user prefers rabbits over birds.".
static string StatedSummary(PreferenceExample e, bool single = false)
{
    var words = e.OraclePreference!.Split(' ');
    return single ? $"The user chose {Cap(words[3])}." : $"The user chose {Cap(words[3])} and rejected {Cap(words[5].TrimEnd('.'))}.";
}

static string Cap(string w) => char.ToUpperInvariant(w[0]) + w[1..];

// Freezes the backbone: only the reward head trains (issue 15 experiment: keeps the warm-started model's matching rule).
static void HeadOnly(RewardModel model)
{
    foreach (var (parameterName, parameter) in model.TrainableParameters())
        if (!parameterName.StartsWith("score.", StringComparison.Ordinal)) parameter.requires_grad = false;
    Console.WriteLine($"[reward model] training only {string.Join(", ", model.TrainableParameters().Select(p => p.Name))}");
}

// The issue 15 experiment (3a above).
async Task<(string? WarmDir, IReadOnlyList<PreferenceExample>? Anchors, int AnchorsPerStep, bool DiagnosticOnly)> RewardWarmStartAsync()
{
    int rewardWarmSteps = int.Parse(Arg("--reward-warm-steps", "0"), CultureInfo.InvariantCulture);
    string? warmRewardDir = null;
    IReadOnlyList<PreferenceExample>? anchors = null;
    int anchorsPerStep = int.Parse(Arg("--anchors", "0"), CultureInfo.InvariantCulture);
    if (rewardWarmSteps > 0 && (methods.Contains("PLUS") || methods.Contains("PLUS-untrained")))
    {
        var patterns = SummarizationWarmStartBuilder.PredicatesFrom(Enum.GetValues<PetAnimal>().SelectMany(petsBuilder.TrainSentences));
        var subjects = RewardWarmStartBuilder.SubjectsFromVocabulary(Enumerable.Range(0, tokenizer.VocabSize).Select(tokenizer.IdToToken));
        double warmAgreed = double.Parse(Arg("--warm-agreed", "0"), CultureInfo.InvariantCulture);
        double warmOverride = double.Parse(Arg("--warm-override", "0"), CultureInfo.InvariantCulture);
        IReadOnlyList<(string, double)> forms = args.Contains("--simple-forms")
            ? [("The user chose {sx}", 0.5), ("The user chose {x} and rejected {y}.", 0.25), ("This user prefers {x} over {y}.", 0.25)]
            : RewardWarmStartBuilder.DefaultForms;
        var warmPairs = new RewardWarmStartBuilder(patterns, subjects) { Seed = 1000 + seed, Forms = forms, DistractorFraction = args.Contains("--simple-forms") ? 0 : 0.15, AgreedFraction = warmAgreed, OverrideFraction = warmOverride }.Build(rewardWarmSteps * 32);
        var warmTemplates = DomainPromptTemplates.CreatePets();
        warmTemplates.SummaryPrefix = rewardTemplates.SummaryPrefix;
        warmTemplates.OraclePrefix = warmTemplates.SummaryPrefix.Replace("{summary}", "{oracle}", StringComparison.Ordinal);
        using var warmModel = new ConditionedRewardModel(
            RewardModel.FromPretrained(modelDir, device, newHeadSeed: seed),
            new RewardTextEncoder(tokenizer, chat, new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets, warmTemplates)), subjectLines: args.Contains("--subject-lines")),
            batchSize: 64);
        var warmTrainer = new BradleyTerryTrainer(
            new BradleyTerryOptions { Kind = ConditioningKind.Oracle, LabelSmoothing = double.Parse(Arg("--warm-label-smoothing", labelSmoothing.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture), Epochs = 1, BatchSize = 32, LearningRate = 5e-4, Seed = seed, LogEvery = 50 },
            () => warmModel, ownsModels: false);
        Console.WriteLine($"[warm start] reward model on {warmPairs.Count} pairs over {subjects.Count} subjects, {patterns.Count} patterns; e.g. '{warmPairs[0].OraclePreference}' ({Elapsed()})");
        using var warmed = await TrainingProgressDisplay.RunAsync((progress, ct) => warmTrainer.TrainModelAsync(warmPairs, progress: progress, cancellationToken: ct), display, cts.Token);
        warmRewardDir = Path.Combine(outDir, "reward-warm-start");
        warmModel.Model.SavePretrained(warmRewardDir);
        var held = new RewardWarmStartBuilder(patterns, subjects) { Seed = 5000 + seed, Forms = forms }.Build(256);
        RewardWarmStartBuilder Anchors() => new(patterns, subjects) { Seed = 9000 + seed, Forms = forms, AgreedFraction = warmAgreed, OverrideFraction = warmOverride };
        var heldReport = await Evaluator.EvaluateAsync(warmed, held, batchSize: 64, cts.Token);
        Console.WriteLine($"[warm start] held-out warm pairs: {heldReport.Accuracy:P1} ({Elapsed()})");
        foreach (var (label, set) in new[] { ("pets", pets.Test), ("pets-ood", petsOod) })
        {
            // The warm-started model on the test users with an Oracle-like summary in the summary form: does the rule reach the animals?
            var stated = set.Select(e => e with { OraclePreference = StatedSummary(e) }).ToList();
            var r = await Evaluator.EvaluateAsync(warmed, stated, batchSize: 64, cts.Token);
            Console.WriteLine($"[warm start] {label} with '{stated[0].OraclePreference}': controversial {r.Groups[ExampleGroups.Controversial].Accuracy:P1}");
        }

        if (anchorsPerStep > 0) anchors = Anchors().Build(anchorsPerStep * 200);
        if (args.Contains("--stated-phase"))
        {
            // Diagnostic: the warm-started model trained on Pets with stated summaries ("The user chose Dogs and rejected Cats.") and the anchors mixed in.
            PreferenceExample Stated(PreferenceExample e) => e with { OraclePreference = StatedSummary(e) };
            // --stated-single F: that share of the Pets users' stated summaries names only their animal ("The user chose Dogs."), as most real summaries do.
            double single = double.Parse(Arg("--stated-single", "0"), CultureInfo.InvariantCulture);
            var singles = new Random(seed + 1);
            PreferenceExample Train(PreferenceExample e) => singles.NextDouble() < single ? e with { OraclePreference = StatedSummary(e, single: true) } : Stated(e);
            // --stated-lora R trains only a rank-R LoRA adapter and the head on Pets; --stated-head-only only the head:
            // does keeping the warm-started backbone keep its matching rule?
            int statedLora = int.Parse(Arg("--stated-lora", "0"), CultureInfo.InvariantCulture);
            if (statedLora > 0) warmModel.Model.EnableLora(new Plus.Torch.Lora.LoraSettings { Rank = statedLora, Alpha = 2 * statedLora }, seed);
            if (args.Contains("--stated-head-only")) HeadOnly(warmModel.Model);

            var order = new Random(seed);
            var phase = pets.Train.Select(Train).Concat(Anchors().Build(pets.Train.Count)).OrderBy(_ => order.Next()).ToList();
            var statedTrainer = new BradleyTerryTrainer(
                new BradleyTerryOptions { Kind = ConditioningKind.Oracle, LabelSmoothing = labelSmoothing, Epochs = 1, BatchSize = 32, LearningRate = double.Parse(Arg("--stated-lr", "5e-4"), CultureInfo.InvariantCulture), Seed = seed, LogEvery = 50 },
                () => warmModel, ownsModels: false);
            using var statedModel = await TrainingProgressDisplay.RunAsync((progress, ct) => statedTrainer.TrainModelAsync(phase, progress: progress, cancellationToken: ct), display, cts.Token);
            foreach (var (label, set) in new[] { ("pets", pets.Test), ("pets-ood", petsOod) })
            {
                var statedSet = set.Select(Stated).ToList();
                var r = await Evaluator.EvaluateAsync(statedModel, statedSet, batchSize: 64, cts.Token);
                // The mean P(chosen) per user type on the controversial pairs: how far each side is from flipping.
                var controversial = statedSet.Where(e => e.Group == ExampleGroups.Controversial).ToList();
                var probabilities = await statedModel.PredictChosenProbabilitiesAsync(controversial, cts.Token);
                string byType = string.Join(", ", controversial.Select((e, i) => (e.UserType, P: probabilities[i])).GroupBy(x => x.UserType)
                    .Select(g => FormattableString.Invariant($"{g.Key} users {g.Average(x => x.P):F3}")));
                Console.WriteLine($"[stated phase] {label}: controversial {r.Groups[ExampleGroups.Controversial].Accuracy:P1}, all {r.Accuracy:P1}; mean P(chosen): {byType}");
            }

            return (null, null, 0, true);
        }
    }
    return (warmRewardDir, anchors, anchorsPerStep, false);
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
    var petsSentences = Enum.GetValues<PetAnimal>().SelectMany(a => PetsSentences.Default[a]).ToList();
    foreach (var (dataset, examples) in new[] { ("pets", pets.Test), ("pets-ood", petsOod) })
    {
        var users = examples.GroupBy(e => e.Context).Select(g => g.First()).ToList();
        var summaries = await summarizer.SummarizeAsync(users.Select(u => u.Context).ToList(), cts.Token);
        int naming = 0, both = 0, copying = 0;
        for (int i = 0; i < users.Count; i++)
        {
            string preferred = users[i].Context.Pairs[0].Chosen[..3], other = users[i].Context.Pairs[0].Rejected[..3];
            string text = summaries[i].Text;
            int p = text.IndexOf(preferred, StringComparison.OrdinalIgnoreCase), o = text.IndexOf(other, StringComparison.OrdinalIgnoreCase);
            if (p >= 0 && (o < 0 || p < o)) naming++;
            if (p >= 0 && o > p) both++;
            // A copy of any Pets sentence: the user's past responses are among them, and the summarizer saw the training
            // ones as plain text.
            if (SummaryCopying.ContainsSentence(text, petsSentences)) copying++;
        }

        double Share(int n) => users.Count == 0 ? 0 : Math.Round(n / (double)users.Count, 4);
        results[dataset]![method]!["summaries_naming_preferred"] = Share(naming);
        results[dataset]![method]!["summaries_naming_both"] = Share(both);
        results[dataset]![method]!["summaries_copying_sentence"] = Share(copying);
        Console.WriteLine($"[{method}] {dataset}: {naming} of {users.Count} test users' summaries name their animal first, {both} name it and then the other, " +
            $"{copying} copy a past response or a Pets sentence ({SummaryCopying.DefaultWindow} words in a row) ({Elapsed()})");

        // PLUS-untrained's summarizer is PLUS's before PPO (the same model, the same seeds per batch, so the same samples):
        // how many test users' summaries PPO changed.
        var texts = summaries.Select(x => x.Text).ToList();
        describedSummaries[(dataset, method)] = texts;
        if (method == "PLUS" && describedSummaries.TryGetValue((dataset, "PLUS-untrained"), out var untrained))
        {
            int changed = texts.Where((text, i) => text != untrained[i]).Count();
            results[dataset]![method]!["summaries_changed_by_ppo"] = Share(changed);
            changedByPpo[dataset] = (changed, users.Count);
            Console.WriteLine($"[{method}] {dataset}: PPO changed {changed} of {users.Count} test users' summaries");
        }
    }
}

// Users can read and edit their summaries: for every controversial Pets test pair, swap the animal the model's summary
// names (dogs ↔ cats) and predict again with the edited summary. The share of predictions that flip side says whether the
// reward model reads the summary.
async Task EditedSummariesAsync(string method, TrainedModel model)
{
    var controversial = pets.Test.Where(e => e.Group == ExampleGroups.Controversial).ToList();
    var summaries = await model.SummarizeAsync(controversial.Select(e => e.Context), cts.Token);
    var editable = controversial.Where(e => SwapAnimals(summaries[e.Context].Text) != summaries[e.Context].Text).ToList();
    var before = await WithSummariesAsync(model, editable, e => summaries[e.Context]);
    var after = await WithSummariesAsync(model, editable, e => UserSummary.FromUser(SwapAnimals(summaries[e.Context].Text)));
    int tested = editable.Count, flipped = Enumerable.Range(0, tested).Count(i => (before[i] > 0.5) != (after[i] > 0.5));

    double share = tested == 0 ? 0 : flipped / (double)tested;
    results["pets"]![method]!["edited_summary_flips"] = Math.Round(share, 4);
    results["pets"]![method]!["edited_summaries_tested"] = tested;
    Console.WriteLine($"[{method}] pets: editing the summary to name the other animal flips {flipped} of {tested} controversial predictions ({Elapsed()})");
}

// Summaries a user might write by hand, in plain words (issue 15): for each phrasing, naming the user's animal and
// naming the other one, the mean probability that the response about the user's animal wins on 48 controversial Pets
// test pairs. A phrasing "moves the prediction the right way" when naming the user's animal gives the higher mean.
async Task HandWrittenSummariesAsync(string method, TrainedModel model)
{
    string[] phrasings =
    [
        "This user prefers {A} over {B}.", "prefers {a}", "I'm a {s} person.", "likes {a}, not {b}", "The user loves {a}.",
        "The user dislikes {b}.", "I like {a}.", "Not a fan of {b}.", "{A}!", "The user chose {A}.", "Favourite animal: {s}.",
        "I would rather hear about {a} than {b}.", "Talk about {a}, please.", "The user prefers {A}.", "{A} over {b}, always.",
        "I can't stand {b}.", "The user is a {s} lover.", "Likes {A}.", "Please no {b}.", "I adore {a}.",
        "My favourite pets are {a}.", "The user wants answers about {a}.", "{B} are boring; {a} are great.", "Prefers {A} to {B}.",
    ];
    var pairs = pets.Test.Where(e => e.Group == ExampleGroups.Controversial).Take(48).ToList();
    int right = 0;
    var failed = new List<string>();
    foreach (string phrasing in phrasings)
    {
        string Fill(string x, string y) => phrasing.Replace("{A}", Cap(x) + "s", StringComparison.Ordinal).Replace("{B}", Cap(y) + "s", StringComparison.Ordinal)
            .Replace("{a}", x + "s", StringComparison.Ordinal).Replace("{b}", y + "s", StringComparison.Ordinal).Replace("{s}", x, StringComparison.Ordinal);
        static string Other(string a) => a == "dog" ? "cat" : "dog";
        double own = (await WithSummariesAsync(model, pairs, e => UserSummary.FromUser(Fill(e.UserType!, Other(e.UserType!))))).Sum();
        double swapped = (await WithSummariesAsync(model, pairs, e => UserSummary.FromUser(Fill(Other(e.UserType!), e.UserType!)))).Sum();
        if (own > swapped) right++;
        else failed.Add(phrasing);
    }

    results["pets"]![method]!["hand_written_summaries_right"] = Math.Round(right / (double)phrasings.Length, 4);
    results["pets"]![method]!["hand_written_summaries_tested"] = phrasings.Length;
    results["pets"]![method]!["hand_written_summaries_missed"] = new JsonArray([.. failed.Select(f => JsonValue.Create(f))]);
    Console.WriteLine($"[{method}] pets: {right} of {phrasings.Length} hand-written summaries move the prediction towards the animal they name" +
        (failed.Count > 0 ? $" (not: {string.Join(" | ", failed)})" : "") + $" ({Elapsed()})");
}

// P(chosen) of each example with the summary the caller gives its user (an edited or hand-written one) instead of the
// summarizer's: Algorithm 2 through ConditionedPreferenceModel, the reward model scoring in batches of 64 (what
// model.Predictor.PredictAsync computes one pair at a time).
async Task<IReadOnlyList<double>> WithSummariesAsync(TrainedModel model, IReadOnlyList<PreferenceExample> examples, Func<PreferenceExample, UserSummary> summaryOf)
{
    var byContext = new Dictionary<UserContext, UserSummary>();
    foreach (var e in examples) byContext[e.Context] = summaryOf(e);
    var given = new GivenSummaries(byContext);
    var withGiven = new ConditionedPreferenceModel(given, model.RewardModel, new ConditionedPreferenceModelOptions { Name = model.Name, SummaryBatchSize = int.MaxValue, RewardBatchSize = 64 });
    return await withGiven.PredictChosenProbabilitiesAsync(examples, cts.Token);
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

// The summaries a caller wrote (one per context), served as an IUserSummarizer.
sealed class GivenSummaries(IReadOnlyDictionary<UserContext, UserSummary> summaries) : IUserSummarizer
{
    public Task<IReadOnlyList<UserSummary>> SummarizeAsync(IReadOnlyList<UserContext> contexts, CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<UserSummary>>([.. contexts.Select(c => summaries[c])]);
}
