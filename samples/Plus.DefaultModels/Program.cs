// Makes the embedded default model of Plus.Sdk (src/Plus.Models.Tiny/plus-tiny-qwen2): a tiny
// Qwen2-architecture model with a vocabulary cut from Qwen's tokenizer, pretrained briefly on (a) the Pets
// training sentences as chat answers and (b) template-made "past choices -> ##Summary" examples about other
// subjects (SummarizationWarmStartBuilder). See docs/plus.md, "How the default model was made".
//
//   dotnet run --project samples/Plus.DefaultModels -c Release -- [--out DIR] [--steps N] [--seed S]
using System.Diagnostics;
using System.Globalization;
using Plus;
using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using static TorchSharp.torch;

string outDir = Arg("--out", "src/Plus.Models.Tiny/plus-tiny-qwen2");
string qwenTokenizer = Arg("--qwen-tokenizer", "tests/fixtures/tokenizer/tokenizer.json.gz");
int steps = int.Parse(Arg("--steps", "1500"), CultureInfo.InvariantCulture);
int seed = int.Parse(Arg("--seed", "20261128"), CultureInfo.InvariantCulture);
int hidden = int.Parse(Arg("--hidden", "128"), CultureInfo.InvariantCulture);
int layers = int.Parse(Arg("--layers", "4"), CultureInfo.InvariantCulture);
double lr = double.Parse(Arg("--lr", "3e-3"), CultureInfo.InvariantCulture);
double informative = double.Parse(Arg("--informative", "0.3"), CultureInfo.InvariantCulture);
int warmBatchSize = int.Parse(Arg("--batch", "12"), CultureInfo.InvariantCulture);
int petsBatchSize = int.Parse(Arg("--pets-batch", "32"), CultureInfo.InvariantCulture);
var device = Plus.Torch.Runtime.TorchRuntime.ResolveDevice(Arg("--device", "cpu")); // before any other torch call
set_num_threads(int.Parse(Arg("--threads", Environment.ProcessorCount.ToString(CultureInfo.InvariantCulture)), CultureInfo.InvariantCulture));
if (args.Contains("--copy-probe"))
{
    CopyProbe.Run(Arg("--copy-probe", outDir));
    return;
}

if (args.Contains("--reward-probe"))
{
    await RewardProbe.RunAsync(Arg("--reward-probe", outDir), int.Parse(Arg("--epochs", "1"), CultureInfo.InvariantCulture), double.Parse(Arg("--lr", "5e-4"), CultureInfo.InvariantCulture));
    return;
}

if (args.Contains("--summary-reward-probe"))
{
    SummaryRewardProbe.Run(Arg("--summary-reward-probe", outDir), Arg("--template", "The user chose {p} and rejected {o}."), double.Parse(Arg("--lr", "5e-4"), CultureInfo.InvariantCulture));
    return;
}

if (args.Contains("--evaluate"))
{
    SummaryProbe.ProbeTemperature = double.Parse(Arg("--temperature", "1.0"), CultureInfo.InvariantCulture);
    SummaryProbe.LinePairs = args.Contains("--line-pairs");
    SummaryProbe.Run(Arg("--evaluate", outDir), seed);
    return;
}

var clock = Stopwatch.StartNew();
var chat = new ChatMlFormatter();
// --line-pairs (issue 15, docs/plus.md): the summarizer prompt writes each past sentence on a line of its own and the
// informative targets and drills put each subject at the start of a line, so that a copied subject has the tokens a
// response starting with it has ("The user chose\nApples\nand rejected\nPears.").
bool linePairs = args.Contains("--line-pairs");
var renderer = new PromptRenderer(PromptDomain.Pets, linePairs ? SummaryProbe.LinePairTemplates() : null);
string Target(string summary, bool informative) => linePairs && informative
    ? summary.Replace("The user chose ", "The user chose\n", StringComparison.Ordinal).Replace(" and rejected ", "\nand rejected\n", StringComparison.Ordinal).Replace(" over ", "\nover\n", StringComparison.Ordinal)
    : summary;
var pets = PetsSentences.Default;

// (a) Pets training sentences (the first 80 of each animal) as answers to the Pets prompt.
var petsBuilder = new PetsDatasetBuilder();
// With --pets-paragraphs each answer is three training sentences about the same animal, so predicting the later
// sentences' subject means copying the first one's (plain language modelling, no preferences involved).
bool paragraphs = args.Contains("--pets-paragraphs");
var paragraphRng = new Random(seed + 2);
var lmTexts = Enum.GetValues<PetAnimal>()
    .SelectMany(a => petsBuilder.TrainSentences(a).Select(s => paragraphs
        ? string.Join(" ", new[] { s }.Concat(Enumerable.Range(0, 2).Select(_ => petsBuilder.TrainSentences(a)[paragraphRng.Next(petsBuilder.TrainSentences(a).Count)])))
        : s))
    .Select(s => chat.Format([ChatTurn.User(PetsDatasetBuilder.PromptText), ChatTurn.Assistant(s)], addGenerationPrompt: false))
    .ToList();

// (b) The summarization warm start on other subjects: the builder's topics plus a large pool of capitalized words
// from Qwen's vocabulary, so that copying the subject from the context is the only way to write the summary.
var full = HfTokenizer.Load(qwenTokenizer);
int extraCount = int.Parse(Arg("--extra-subjects", "2000"), CultureInfo.InvariantCulture);
int warmCount = int.Parse(Arg("--warm-examples", "12000"), CultureInfo.InvariantCulture);
var wordRng = new Random(seed);
var extraSubjects = Enumerable.Range(0, full.VocabSize)
    .Select(id => full.IdToToken(id))
    .Where(t => t is { Length: >= 5 } && t[0] == '\u0120' && char.IsAsciiLetterUpper(t[1]) && t.Skip(2).All(char.IsAsciiLetterLower))
    .Select(t => t![1..])
    .Where(w => !SummarizationWarmStartBuilder.AnimalPattern.IsMatch(w))
    .OrderBy(_ => wordRng.Next())
    .Take(extraCount)
    .ToList();
// With --pet-shaped, half of the plural-subject contexts reuse the shapes of the Pets *training* sentences with the
// animal replaced by another subject ("Apples are known as man's best friend."): the model already read those
// sentences in (a), and copying the subject has to work in contexts that look like the ones PLUS will show it.
// No animal and no preference about pets ever appears (SummarizationWarmStartBuilder.PredicatesFrom drops them).
var extraPredicates = args.Contains("--pet-shaped")
    ? SummarizationWarmStartBuilder.PredicatesFrom(Enum.GetValues<PetAnimal>().SelectMany(petsBuilder.TrainSentences))
    : null;
var warm = new SummarizationWarmStartBuilder { Seed = seed, InformativeFraction = informative, ExtraSubjects = extraSubjects, ExtraPredicates = extraPredicates }.Build(warmCount);
var warmTexts = warm
    .Select(w => chat.Format([ChatTurn.User(renderer.RenderSummarizerText(w.Context)), ChatTurn.Assistant("##Summary " + Target(w.Summary, w.Informative))], addGenerationPrompt: false))
    .ToList();

// The vocabulary: every token Qwen's tokenizer emits on what the library will ever show this model
// (all Pets sentences including the test split, every Pets prompt template, the warm-start texts).
var corpus = new List<string>(lmTexts.Concat(warmTexts));
foreach (PetAnimal a in Enum.GetValues<PetAnimal>()) corpus.AddRange(pets[a]);
var sampleContext = new UserContext(new[] { new PreferencePair(Conversation.FromUser(PetsDatasetBuilder.PromptText), pets[PetAnimal.Dog][0], pets[PetAnimal.Cat][0]) });
corpus.Add(renderer.RenderSummarizerText(sampleContext));
corpus.Add(renderer.RenderSummaryPrefix("The user prefers Dogs over Cats."));
corpus.Add(renderer.RenderIclPrefix(sampleContext));
foreach (PetAnimal a in Enum.GetValues<PetAnimal>())
    foreach (PetAnimal b in Enum.GetValues<PetAnimal>())
        if (a != b) corpus.Add(renderer.RenderOraclePrefix(PetsDatasetBuilder.OraclePreference(a, b)));
corpus.Add("The user chose Rabbits and rejected Birds. The user chose Dogs over Cats. The user likes to talk about pets.");
string? init = args.Contains("--init") ? Arg("--init", "") : null;
var tokenizer = init is null ? TokenizerSubsetBuilder.Build(full, corpus) : HfTokenizer.Load(init);
Console.WriteLine($"vocabulary: {tokenizer.VocabSize} tokens (from {full.VocabSize}) in {clock.Elapsed.TotalSeconds:F1}s");

int vocab = tokenizer.VocabSize; // exactly the tokenizer's ids, so sampling can never produce an id it cannot decode
int eos = tokenizer.TokenToId("<|im_end|>") ?? throw new InvalidOperationException("<|im_end|> missing");
int pad = tokenizer.TokenToId("<|endoftext|>") ?? throw new InvalidOperationException("<|endoftext|> missing");
var config = new DecoderConfig
{
    ModelType = "qwen2", HiddenSize = hidden, IntermediateSize = hidden * 3, NumHiddenLayers = layers,
    NumAttentionHeads = 4, NumKeyValueHeads = 2, HeadDim = hidden / 4, VocabSize = vocab, RmsNormEps = 1e-6,
    RopeTheta = 10000, TieWordEmbeddings = true, QkvBias = true, MaxPositionEmbeddings = 1024,
    EosTokenIds = [eos], PadTokenId = pad, TorchDtype = "float32",
};
Seeding.Seed(seed);
using var model = init is null ? CausalLM.Create(config, seed, device) : CausalLM.FromPretrained(init, device);
config = model.Config;
long parameters = model.parameters().Sum(p => p.numel());
Console.WriteLine($"model: {parameters:N0} parameters, hidden {hidden}, {layers} layers, vocab {vocab}");

// Loss on the answers only (the summary after "##Summary", the pet sentence): in the long summarizer prompt the
// few summary tokens would otherwise carry too little of the loss for the model to learn to copy the subject.
int petsPromptLength = tokenizer.Encode(chat.Format([ChatTurn.User(PetsDatasetBuilder.PromptText)], addGenerationPrompt: true)).Count;
var lmIds = lmTexts.Select(t => (Ids: tokenizer.Encode(t), Start: petsPromptLength)).ToList();
var warmIds = warm.Select((w, i) => (
    Ids: (IReadOnlyList<int>)tokenizer.Encode(warmTexts[i]),
    Start: tokenizer.Encode(chat.Format([ChatTurn.User(renderer.RenderSummarizerText(w.Context))], addGenerationPrompt: true)).Count)).ToList();
// (c) Copy drills: short contexts in the same "The user chose X ... The user rejected Y ..." layout, always answered
// with the preferred subject. Short sequences make the copy circuit easy to find; the drills run in the first part of
// training only, so the full prompts keep the warm start's mixture of informative and generic summaries.
int drillCount = int.Parse(Arg("--drills", "20000"), CultureInfo.InvariantCulture);
double drillPhase = double.Parse(Arg("--drill-phase", "0.6"), CultureInfo.InvariantCulture);
bool shortDrills = args.Contains("--short-drills");
int drillBatchSize = int.Parse(Arg("--drill-batch", "48"), CultureInfo.InvariantCulture);
int saveEvery = int.Parse(Arg("--save-every", "1000"), CultureInfo.InvariantCulture);
bool drillsOnly = args.Contains("--drills-first");
bool mixedDrills = args.Contains("--mixed-drills"); // one batch in four is a drill, two are full warm-start prompts
var drillSubjects = extraSubjects.Concat(SummarizationWarmStartBuilder.Topics.SelectMany(t => t.Subjects)).Distinct().ToArray();
var drillRng = new Random(seed + 1);
var drillIds = new List<(IReadOnlyList<int> Ids, int Start)>(drillCount);
for (int i = 0; i < drillCount; i++)
{
    string a = drillSubjects[drillRng.Next(drillSubjects.Length)], b = drillSubjects[drillRng.Next(drillSubjects.Length)];
    if (a == b) continue;
    string topic = SummarizationWarmStartBuilder.Topics[drillRng.Next(SummarizationWarmStartBuilder.Topics.Count)].Topic;
    string sep = linePairs ? "\n" : " ";
    var lines = Enumerable.Range(0, 3).Select(_ => shortDrills
        ? $"The user chose{sep}{a} {Phrase()}{sep}The user rejected{sep}{b} {Phrase()}"
        : $"Please talk about one kind of {topic}. The user chose{sep}{a} {Phrase()}{sep}The user rejected{sep}{b} {Phrase()}");
    string user = string.Join(shortDrills ? " " : "\n\n", lines) + (shortDrills ? "" : "\n\nStart your response with ##Summary");
    string answer = "##Summary " + Target(drillRng.Next(2) switch
    {
        0 => $"The user chose {a} and rejected {b}.",
        _ => $"The user chose {a} over {b}.",
    }, informative: true);
    string prefix = chat.Format([ChatTurn.User(user)], addGenerationPrompt: true);
    drillIds.Add((tokenizer.Encode(prefix + answer + "<|im_end|>\n"), tokenizer.Encode(prefix).Count));
}

string Phrase()
{
    int n = shortDrills ? 1 + drillRng.Next(2) : 2 + drillRng.Next(4);
    return string.Join(' ', Enumerable.Range(0, n).Select(_ => drillSubjects[drillRng.Next(drillSubjects.Length)].ToLowerInvariant())) + ".";
}

bool induction = args.Contains("--induction");
bool inductionOnly = args.Contains("--induction-only");
float promptLossWeight = float.Parse(Arg("--prompt-loss-weight", "0"), CultureInfo.InvariantCulture);
int inductionBatchSize = int.Parse(Arg("--induction-batch", "32"), CultureInfo.InvariantCulture);
int inductionLength = int.Parse(Arg("--induction-length", "24"), CultureInfo.InvariantCulture);
var inductionRng = new Random(seed + 3);
var ordinaryIds = Enumerable.Range(0, vocab).Where(id => tokenizer.IdToToken(id) is { } t && !t.StartsWith("<|", StringComparison.Ordinal)).ToArray();

(IReadOnlyList<int> Ids, int Start) InductionRow()
{
    int n = inductionLength / 2 + inductionRng.Next(inductionLength / 2 + 1);
    var first = Enumerable.Range(0, n).Select(_ => ordinaryIds[inductionRng.Next(ordinaryIds.Length)]).ToArray();
    var filler = Enumerable.Range(0, inductionRng.Next(8)).Select(_ => ordinaryIds[inductionRng.Next(ordinaryIds.Length)]);
    var ids = first.Concat(filler).ToList();
    int start = ids.Count + 1; // the first repeated token cannot be predicted; the rest can, by copying
    ids.AddRange(first);
    return (ids, start);
}

Console.WriteLine($"data: {lmIds.Count} pet answers (~{lmIds.Average(x => x.Ids.Count):F0} tokens), {warmIds.Count} warm-start examples (~{warmIds.Average(x => x.Ids.Count):F0} tokens), {drillIds.Count} copy drills (~{drillIds.Average(x => x.Ids.Count):F0} tokens)");

using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { LearningRate = lr, WeightDecay = 0.01 });
var schedule = new LearningRateSchedule(lr, steps, warmupFraction: 0.05, minLearningRateRatio: 0.05);
var rng = new Random(seed);
double ema = double.NaN;
model.train();
for (int step = 0; step < steps; step++)
{
    schedule.Apply(optimizer, step);
    bool inDrillPhase = step < drillPhase * steps;
    bool petsBatch = step % 4 == 0 && !(drillsOnly && inDrillPhase);
    bool drill = !petsBatch && inDrillPhase && (drillsOnly || (mixedDrills ? step % 4 == 1 : step % 4 != 3));
    var source = petsBatch ? lmIds : drill ? drillIds : warmIds;
    int batch = petsBatch ? petsBatchSize : drill ? drillBatchSize : warmBatchSize;
    // With --induction, every other non-pets batch is a repeated random token sequence (loss on the repeat): the
    // classic task that grows induction heads, the circuit that copies "chose X" from the context into the summary.
    bool inductionBatch = inductionOnly || (induction && !petsBatch && step % 2 == 1);
    var rows = inductionBatch
        ? Enumerable.Range(0, inductionBatchSize).Select(_ => InductionRow()).ToList()
        : Enumerable.Range(0, batch).Select(_ => source[rng.Next(source.Count)]).ToList();
    using var scope = NewDisposeScope();
    var tb = TokenizedBatch.FromRows(rows.Select(r => r.Ids).ToList(), padLeft: false, padId: pad);
    var (ids, mask, pos) = tb.ToTensors(device);
    var logits = model.Forward(ids, mask, pos);
    var targets = ids[.., 1..];
    var lp = CausalLM.TokenLogProbs(logits[.., ..^1], targets);
    var answer = new float[rows.Count, tb.SequenceLength - 1];
    // --prompt-loss-weight w > 0 also trains on the warm-start contexts at weight w: the second and third "The user
    // chose X" of a context repeat the first one's subject, so the context itself is a copy drill in the right format.
    float promptWeight = !petsBatch && !inductionBatch ? promptLossWeight : 0f;
    for (int r = 0; r < rows.Count; r++)
        for (int j = 0; j < rows[r].Ids.Count - 1; j++)
            answer[r, j] = j >= rows[r].Start - 1 ? 1f : promptWeight;
    var m = tensor(answer, device: device);
    var loss = -(lp * m).sum() / m.sum();
    optimizer.zero_grad();
    loss.backward();
    GradientClipping.ClipByGlobalNorm(model.parameters(), 1.0);
    optimizer.step();
    double l = loss.item<float>();
    ema = double.IsNaN(ema) ? l : 0.98 * ema + 0.02 * l;
    if (step % 50 == 0 || step == steps - 1)
        Console.WriteLine(FormattableString.Invariant($"step {step,5}/{steps} loss {l:F3} (ema {ema:F3}) lr {schedule.At(step):G3} {clock.Elapsed.TotalSeconds:F0}s"));
    if ((step + 1) % saveEvery == 0 && step + 1 < steps)
    {
        Save(); // a usable model survives an interrupted run
        model.train();
    }
}

Save();
Console.WriteLine($"saved to {outDir} in {clock.Elapsed.TotalSeconds:F0}s");

void Save()
{
    model.eval();
    Directory.CreateDirectory(outDir);
    model.SavePretrained(outDir, ScalarType.Float32);
    tokenizer.Save(outDir);
    Plus.Torch.Training.AtomicFile.WriteAllText(Path.Combine(outDir, "generation_config.json"),
        $"{{\n  \"eos_token_id\": [{eos}, {pad}],\n  \"pad_token_id\": {pad},\n  \"do_sample\": true,\n  \"temperature\": 1.0\n}}\n");
}

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
