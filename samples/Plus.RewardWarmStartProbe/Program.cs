// Issue 15 probe (docs/plus.md, "Reward-model warm start (issue 15 probe)"): trains the Oracle row's Bradley-Terry
// reward model on the embedded tiny default model, optionally warm-started on Oracle-conditioned pairs about
// non-animal subjects (OracleWarmStartPairs), then on Pets train (1 epoch, batch 32, lr 5e-4, as the Table-1 harness),
// and prints Pets / Pets-OOD accuracy (all pairs and controversial) per variant.
//
//   dotnet run --project samples/Plus.RewardWarmStartProbe -c Release -- [--seed 0] [--warm-steps 300]
//       [--variants none,warm,warm-mix] [--agreed 0.0] [--mix 1970] [--vocab-subjects 0] [--keep-case] [--line-start]
//       [--threads 1] [--device cpu] [--model-dir DIR]
//
// --line-start writes every Oracle text (warm start, Pets, Pets-OOD) with each subject at the start of a line, as the
// responses begin ("This user prefers\nRabbits\nover\nBirds"): the subject's tokens in the conditioning are then the
// very tokens a response about it starts with.
//
// Variants: none = the harness's Oracle row; warm = warm start, then Pets; warm-mix = warm start, then Pets train with
// --mix further warm-start pairs (new ones, another seed) shuffled in.
using System.Globalization;
using Plus;
using Plus.Baselines.Trainers;
using Plus.Data;
using Plus.Metrics;
using Plus.Prompts;
using Plus.RewardWarmStartProbe;
using Plus.Torch;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

string? Arg(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
int seed = int.Parse(Arg("--seed") ?? "0", CultureInfo.InvariantCulture);
int warmSteps = int.Parse(Arg("--warm-steps") ?? "300", CultureInfo.InvariantCulture);
int mix = int.Parse(Arg("--mix") ?? "1970", CultureInfo.InvariantCulture);
double agreed = double.Parse(Arg("--agreed") ?? "0", CultureInfo.InvariantCulture);
var variants = (Arg("--variants") ?? "none,warm,warm-mix").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
foreach (string v in variants)
{
    if (v is not ("none" or "warm" or "warm-mix"))
    {
        Console.Error.WriteLine($"--variants: '{v}' is not one of none, warm, warm-mix.");
        return 2;
    }
}

if (Arg("--threads") is { } threads) TorchSharp.torch.set_num_threads(int.Parse(threads, CultureInfo.InvariantCulture));
string modelDir = Arg("--model-dir") ?? DefaultModels.ExtractTinyQwen2();
var device = TorchRuntime.ResolveDevice(Arg("--device") ?? "cpu");
var tokenizer = HfTokenizer.Load(modelDir);

var petsBuilder = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = seed });
var pets = petsBuilder.Build();
var ood = petsBuilder.BuildOod();
// Sentence shapes of the Pets training sentences with the animal cut out (no test sentence, no animal word).
var patterns = SummarizationWarmStartBuilder.PredicatesFrom(Enum.GetValues<PetAnimal>().SelectMany(petsBuilder.TrainSentences));
// --vocab-subjects N: subjects are N capitalized words of the tiny model's own vocabulary ("ĠWord" tokens, animals
// dropped) instead of the builder's topic subjects; a further 20 % of such words, never trained on, make a held-out
// set of unseen subjects, so "warm unseen" measures matching on new subjects rather than memorized ones.
int vocabSubjects = int.Parse(Arg("--vocab-subjects") ?? "0", CultureInfo.InvariantCulture);
var words = Enumerable.Range(0, tokenizer.VocabSize).Select(id => tokenizer.IdToToken(id))
    .Where(t => t is { Length: >= 5 } && t[0] == '\u0120' && char.IsAsciiLetterUpper(t[1]) && t.Skip(2).All(char.IsAsciiLetterLower))
    .Select(t => t![1..]).Where(w => !OracleWarmStartPairs.NamesAnimal(w)).OrderBy(w => w, StringComparer.Ordinal).ToList();
var wordOrder = new Random(seed);
words = words.OrderBy(_ => wordOrder.Next()).ToList();
int trainWords = vocabSubjects > 0 ? Math.Min(vocabSubjects, words.Count * 4 / 5) : words.Count * 4 / 5;
IReadOnlyList<string>? trainPool = vocabSubjects > 0 ? words.Take(trainWords).ToList() : null;
var unseenPool = words.Skip(trainWords).ToList();
bool lineStart = args.Contains("--line-start");
bool keepCase = lineStart || args.Contains("--keep-case");
IReadOnlyList<PreferenceExample> Form(IReadOnlyList<PreferenceExample> examples) =>
    lineStart ? examples.Select(e => e with { OraclePreference = OracleWarmStartPairs.LineStartForm(e.OraclePreference!) }).ToList() : examples;
OracleWarmStartPairs Warm(int s, IReadOnlyList<string>? pool) => new(patterns) { Seed = s, AgreedFraction = agreed, SubjectPool = pool, KeepCase = keepCase };
var warmTrain = Form(Warm(1000 + seed, trainPool).Build(warmSteps * 32));
var warmHeldOut = Form(Warm(5000 + seed, trainPool).Build(200));
var warmUnseen = Form(Warm(6000 + seed, unseenPool).Build(200));
string oodLabel = lineStart ? "Pets-OOD line-start" : "Pets-OOD cased";
var petsTrain = Form(pets.Train);
var petsTest = Form(pets.Test);
Console.WriteLine($"seed {seed}: {patterns.Count} patterns, {trainPool?.Count.ToString(CultureInfo.InvariantCulture) ?? "topic"} subjects ({unseenPool.Count} unseen held out), {warmTrain.Count} warm-start pairs ({warmSteps} steps), Pets train {pets.Train.Count}, test {pets.Test.Count}, OOD {ood.Count}");

// Pets-OOD with the Oracle text in the responses' casing ("This user prefers Rabbits over Birds."), the form a
// summary that copies the context's subject token would have.
var oodCased = lineStart ? Form(ood) : ood.Select(e => e with { OraclePreference = e.OraclePreference!.Replace("rabbits", "Rabbits", StringComparison.Ordinal).Replace("birds", "Birds", StringComparison.Ordinal) }).ToList();
if (lineStart) Console.WriteLine($"line-start Oracle text: '{petsTrain[0].OraclePreference!.Replace("\n", "\\n", StringComparison.Ordinal)}', tokens '{string.Join("|", tokenizer.EncodeToTokenStrings(oodCased[0].OraclePreference!))}'");
// How the subject reads in a conditioning text and at the start of a response (the match has to link these tokens).
string Tokens(string text) => string.Join("|", tokenizer.EncodeToTokenStrings(text));
foreach (var (subject, sample) in new[] { ("rabbits", "Rabbits"), ("birds", "Birds"), ("dogs", "Dogs"), (warmUnseen[0].UserType!.ToLowerInvariant(), warmUnseen[0].UserType!), ("apples", "Apples") })
    Console.WriteLine($"tokens: conditioning '{Tokens($" over {subject}.")}' / '{Tokens($" over {sample}.")}', response start '{Tokens($"\n{sample} are")}'");

void Training(BradleyTerryOptions t)
{
    t.Epochs = 1;
    t.BatchSize = 32;
    t.LearningRate = 5e-4;
    t.Seed = seed;
    t.LogEvery = 1000;
}

async Task<string> Score(ITrainedPreferenceModel model, IReadOnlyList<PreferenceExample> examples)
{
    var report = await Evaluator.EvaluateAsync(model, examples, batchSize: 64);
    string controversial = report.Groups.TryGetValue(ExampleGroups.Controversial, out var g) ? g.Accuracy.ToString("P1", CultureInfo.InvariantCulture) : "-";
    return $"{report.Accuracy.ToString("P1", CultureInfo.InvariantCulture)} (controversial {controversial})";
}

foreach (string variant in variants)
{
    using var reward = new ConditionedRewardModel(
        RewardModel.FromPretrained(modelDir, device, newHeadSeed: seed),
        new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets))),
        batchSize: 64);
    var trainer = BaselineTrainers.RewardModelBaseline(PreferenceMethods.Oracle, () => reward, Training, ownsModels: false);
    if (variant != "none")
    {
        using var warm = await trainer.TrainModelAsync(warmTrain);
        Console.WriteLine($"[{variant}] after warm start: warm held-out {await Score(warm, warmHeldOut)}, warm unseen {await Score(warm, warmUnseen)}, Pets test {await Score(warm, petsTest)}, Pets-OOD {await Score(warm, ood)}, {oodLabel} {await Score(warm, oodCased)}");
    }

    IReadOnlyList<PreferenceExample> petsPhase = petsTrain;
    if (variant == "warm-mix")
    {
        var extra = Form(Warm(9000 + seed, trainPool).Build(mix));
        var order = new Random(seed);
        petsPhase = petsTrain.Concat(extra).OrderBy(_ => order.Next()).ToList();
    }

    using var trained = await trainer.TrainModelAsync(petsPhase);
    Console.WriteLine($"[{variant}] after Pets ({petsPhase.Count} pairs): warm held-out {await Score(trained, warmHeldOut)}, warm unseen {await Score(trained, warmUnseen)}, Pets test {await Score(trained, petsTest)}, Pets-OOD {await Score(trained, ood)}, {oodLabel} {await Score(trained, oodCased)}");
}

return 0;
