// Makes the embedded default model of Plus.Sdk (src/Plus.Torch/DefaultModels/plus-tiny-qwen2): a tiny
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

string outDir = Arg("--out", "src/Plus.Torch/DefaultModels/plus-tiny-qwen2");
string qwenTokenizer = Arg("--qwen-tokenizer", "tests/fixtures/tokenizer/tokenizer.json.gz");
int steps = int.Parse(Arg("--steps", "1500"), CultureInfo.InvariantCulture);
int seed = int.Parse(Arg("--seed", "20261128"), CultureInfo.InvariantCulture);
int hidden = int.Parse(Arg("--hidden", "128"), CultureInfo.InvariantCulture);
int layers = int.Parse(Arg("--layers", "4"), CultureInfo.InvariantCulture);
double lr = double.Parse(Arg("--lr", "3e-3"), CultureInfo.InvariantCulture);
double informative = double.Parse(Arg("--informative", "0.3"), CultureInfo.InvariantCulture);
set_num_threads(Math.Max(1, Environment.ProcessorCount));
if (args.Contains("--evaluate"))
{
    SummaryProbe.Run(Arg("--evaluate", outDir), seed);
    return;
}

var clock = Stopwatch.StartNew();
var chat = new ChatMlFormatter();
var renderer = new PromptRenderer(PromptDomain.Pets);
var pets = PetsSentences.Default;

// (a) Pets training sentences (the first 80 of each animal) as answers to the Pets prompt.
var petsBuilder = new PetsDatasetBuilder();
var lmTexts = Enum.GetValues<PetAnimal>()
    .SelectMany(a => petsBuilder.TrainSentences(a))
    .Select(s => chat.Format([ChatTurn.User(PetsDatasetBuilder.PromptText), ChatTurn.Assistant(s)], addGenerationPrompt: false))
    .ToList();

// (b) The summarization warm start on other subjects.
var warm = new SummarizationWarmStartBuilder { Seed = seed, InformativeFraction = informative }.Build(6000);
var warmTexts = warm
    .Select(w => chat.Format([ChatTurn.User(renderer.RenderSummarizerText(w.Context)), ChatTurn.Assistant("##Summary " + w.Summary)], addGenerationPrompt: false))
    .ToList();

// The vocabulary: every token Qwen's tokenizer emits on what the library will ever show this model
// (all Pets sentences including the test split, every Pets prompt template, the warm-start texts).
var full = HfTokenizer.Load(qwenTokenizer);
var corpus = new List<string>(lmTexts.Concat(warmTexts));
foreach (PetAnimal a in Enum.GetValues<PetAnimal>()) corpus.AddRange(pets[a]);
var sampleContext = new UserContext(new[] { new PreferencePair(Conversation.FromUser(PetsDatasetBuilder.PromptText), pets[PetAnimal.Dog][0], pets[PetAnimal.Cat][0]) });
corpus.Add(renderer.RenderSummarizerText(sampleContext));
corpus.Add(renderer.RenderSummaryPrefix("The user prefers Dogs over Cats."));
corpus.Add(renderer.RenderIclPrefix(sampleContext));
foreach (PetAnimal a in Enum.GetValues<PetAnimal>())
    foreach (PetAnimal b in Enum.GetValues<PetAnimal>())
        if (a != b) corpus.Add(renderer.RenderOraclePrefix(PetsDatasetBuilder.OraclePreference(a, b)));
corpus.Add("The user prefers Rabbits over Birds. The user prefers Birds over Rabbits. The user likes to talk about pets.");
var tokenizer = TokenizerSubsetBuilder.Build(full, corpus);
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
using var model = CausalLM.Create(config, seed);
long parameters = model.parameters().Sum(p => p.numel());
Console.WriteLine($"model: {parameters:N0} parameters, hidden {hidden}, {layers} layers, vocab {vocab}");

var lmIds = lmTexts.Select(t => tokenizer.Encode(t)).ToList();
var warmIds = warmTexts.Select(t => tokenizer.Encode(t)).ToList();
Console.WriteLine($"data: {lmIds.Count} pet answers (~{lmIds.Average(x => x.Count):F0} tokens), {warmIds.Count} warm-start examples (~{warmIds.Average(x => x.Count):F0} tokens)");

using var optimizer = OptimizerFactory.CreateAdamW(model, new AdamWSettings { LearningRate = lr, WeightDecay = 0.01 });
var schedule = new LearningRateSchedule(lr, steps, warmupFraction: 0.05, minLearningRateRatio: 0.05);
var rng = new Random(seed);
double ema = double.NaN;
model.train();
for (int step = 0; step < steps; step++)
{
    schedule.Apply(optimizer, step);
    bool petsBatch = step % 4 == 0;
    var source = petsBatch ? lmIds : warmIds;
    int batch = petsBatch ? 32 : 12;
    var rows = Enumerable.Range(0, batch).Select(_ => source[rng.Next(source.Count)]).ToList();
    using var scope = NewDisposeScope();
    var tb = TokenizedBatch.FromRows(rows, padLeft: false, padId: pad);
    var (ids, mask, pos) = tb.ToTensors();
    var logits = model.Forward(ids, mask, pos);
    var targets = ids[.., 1..];
    var lp = CausalLM.TokenLogProbs(logits[.., ..^1], targets);
    var m = mask[.., 1..].to_type(ScalarType.Float32);
    var loss = -(lp * m).sum() / m.sum();
    optimizer.zero_grad();
    loss.backward();
    GradientClipping.ClipByGlobalNorm(model.parameters(), 1.0);
    optimizer.step();
    double l = loss.item<float>();
    ema = double.IsNaN(ema) ? l : 0.98 * ema + 0.02 * l;
    if (step % 50 == 0 || step == steps - 1)
        Console.WriteLine(FormattableString.Invariant($"step {step,5}/{steps} loss {l:F3} (ema {ema:F3}) lr {schedule.At(step):G3} {clock.Elapsed.TotalSeconds:F0}s"));
}

model.eval();
Directory.CreateDirectory(outDir);
model.SavePretrained(outDir);
tokenizer.Save(outDir);
File.WriteAllText(Path.Combine(outDir, "generation_config.json"),
    $"{{\n  \"eos_token_id\": [{eos}, {pad}],\n  \"pad_token_id\": {pad},\n  \"do_sample\": true,\n  \"temperature\": 1.0\n}}\n");
Console.WriteLine($"saved to {outDir} in {clock.Elapsed.TotalSeconds:F0}s");

string Arg(string name, string fallback)
{
    int i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? args[i + 1] : fallback;
}
