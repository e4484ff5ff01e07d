using System.Diagnostics;
using System.Globalization;
using Plus.Baselines.Dpl;
using Plus.Baselines.Persistence;
using Plus.Baselines.Trainers;
using Plus.Baselines.Vpl;
using Plus.Data;
using Plus.Metrics;
using Plus.Prompts;
using Plus.Torch;
using Plus.Torch.Modeling;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Table1;

/// <summary>
/// Runs methods × data sets × seeds and writes <c>table.md</c>, <c>table.json</c> and <c>table.png</c> (see
/// docs/results.md). One model is trained per method, seed and training source and evaluated on every data set of
/// that source (Pets-OOD is the Pets-trained model on unseen users; UF-P-2, UF-P-4, PRISM and PRISM (+Profile) train their own); it is saved under
/// <c>models/{method}-{source}-seed{n}</c> (source <c>pets</c> for Pets and Pets-OOD, else the data set). Cells already in <c>table.json</c> are reused; a saved model whose cells are
/// missing is reopened and only evaluated. <c>table.json</c> is rewritten after every cell, so an interrupted run
/// keeps what it finished.
/// </summary>
public sealed class Table1Harness
{
    private readonly Table1Options _options;
    private readonly TextWriter _log;
    private readonly IProgress<TrainingProgress>? _progress;

    /// <summary>Creates the harness; each training's progress goes to <paramref name="log"/> as a line every ten steps.</summary>
    /// <param name="options">What to run.</param>
    /// <param name="log">Where progress goes.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names the flag.</exception>
    public Table1Harness(Table1Options options, TextWriter log)
        : this(options, log, null)
    {
    }

    /// <summary>Creates the harness with a sink for each cell's training progress (the plus tool's display).</summary>
    /// <param name="options">What to run.</param>
    /// <param name="log">Where the per-cell lines go.</param>
    /// <param name="progress">Every training's progress; null for lines on <paramref name="log"/> every ten steps.</param>
    /// <exception cref="ArgumentException">An option is invalid; the message names the flag.</exception>
    public Table1Harness(Table1Options options, TextWriter log, IProgress<TrainingProgress>? progress)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var errors = options.Validate();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        _options = options;
        _log = log;
        _progress = progress;
    }

    /// <summary>Runs every missing cell and writes the three files.</summary>
    /// <param name="cancellationToken">Stops between (and inside) trainings; finished cells stay in <c>table.json</c>.</param>
    /// <returns>Every cell of the run (reused and new).</returns>
    public async Task<IReadOnlyList<Table1Cell>> RunAsync(CancellationToken cancellationToken = default)
    {
        var o = _options;
        string outDir = Path.GetFullPath(o.OutputDirectory);
        Directory.CreateDirectory(outDir);
        string jsonPath = Path.Combine(outDir, Table1Report.JsonFileName);
        var cells = File.Exists(jsonPath) ? Table1Report.ReadCells(await File.ReadAllTextAsync(jsonPath, cancellationToken)) : [];
        string modelDir = o.ModelDirectory ?? DefaultModels.ExtractTinyQwen2();
        var device = TorchRuntime.ResolveDevice(o.Device);
        var tokenizer = HfTokenizer.Load(modelDir);
        var sources = o.Datasets.Select(Table1Options.SourceOf).Distinct().ToList();
        var runs = (from seed in Enumerable.Range(0, o.Seeds) from source in sources from method in o.Methods select (Method: method, Source: source, Seed: seed)).ToList();
        int totalCells = o.Seeds * o.Methods.Count * o.Datasets.Count, done = 0;
        var trainingSeconds = new List<double>();
        var clock = Stopwatch.StartNew();
        _log.WriteLine($"Table 1: {string.Join(",", o.Methods)} × {string.Join(",", o.Datasets)} × {o.Seeds} seed(s) on {modelDir} → {outDir}");

        for (int run = 0; run < runs.Count; run++)
        {
            var (method, source, seed) = runs[run];
            var datasets = o.Datasets.Where(d => Table1Options.SourceOf(d) == source).ToList();
            var missing = datasets.Where(d => !cells.Any(c => c.Method == method && c.Dataset == d && c.Seed == seed)).ToList();
            if (missing.Count == 0)
            {
                done += datasets.Count;
                _log.WriteLine($"[{done}/{totalCells}] {method} {source} seed {seed}: reused from {Table1Report.JsonFileName}");
                continue;
            }

            var data = await BuildAsync(source, seed, cancellationToken);
            string saved = Path.Combine(outDir, "models", $"{method}-{source}-seed{seed}");
            double trainSeconds;
            ITrainedPreferenceModel model;
            var watch = Stopwatch.StartNew();
            if (File.Exists(Path.Combine(saved, TrainedModelManifest.FileName)))
            {
                model = TrainedModels.Load(saved, new TrainedModelLoadOptions { Device = o.Device, BaseModelPath = modelDir });
                trainSeconds = 0;
                _log.WriteLine($"[{done}/{totalCells}] {method} {source} seed {seed}: reopened {saved}");
            }
            else
            {
                string eta = trainingSeconds.Count == 0 ? "ETA after the first cell"
                    : $"ETA {TimeSpan.FromSeconds(trainingSeconds.Average() * (runs.Count - run)):hh\\:mm\\:ss}";
                _log.WriteLine($"[{done}/{totalCells}] {method} {source} seed {seed}: training on {data.Train.Count} pairs ({eta}, elapsed {clock.Elapsed:hh\\:mm\\:ss})");
                var progress = _progress ?? new LogProgress(_log, method);
                model = await TrainAsync(method, source, seed, data.Train, modelDir, tokenizer, device, Path.Combine(outDir, "runs", $"{method}-{source}-seed{seed}"), progress, cancellationToken);
                await model.SaveAsync(saved, cancellationToken);
                trainSeconds = watch.Elapsed.TotalSeconds;
                trainingSeconds.Add(trainSeconds);
            }

            using (model)
            {
                foreach (var dataset in missing)
                {
                    var examples = data.Test(dataset);
                    var evalWatch = Stopwatch.StartNew();
                    var report = await Evaluator.EvaluateAsync(model, examples, batchSize: 64, cancellationToken);
                    double? controversial = report.Groups.TryGetValue(ExampleGroups.Controversial, out var g) ? Math.Round(g.Accuracy, 6) : null;
                    var cell = new Table1Cell(method, dataset, seed, Math.Round(report.Accuracy, 6), controversial, Math.Round(trainSeconds + evalWatch.Elapsed.TotalSeconds, 1));
                    cells = [.. cells.Where(c => !(c.Method == method && c.Dataset == dataset && c.Seed == seed)), cell];
                    AtomicFile.WriteAllText(jsonPath, Table1Report.ToJson(cells));
                    done++;
                    _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{done}/{totalCells}] {method} {dataset} seed {seed}: accuracy {report.Accuracy:P1}, {(controversial is { } c ? $"controversial {c:P1}" : "no controversial subset")} ({cell.Seconds:0.#} s)"));
                }
            }

            done += datasets.Count - missing.Count;
        }

        var selected = cells.Where(c => o.Methods.Contains(c.Method) && o.Datasets.Contains(c.Dataset) && c.Seed < o.Seeds).ToList();
        AtomicFile.WriteAllText(jsonPath, Table1Report.ToJson(cells));
        AtomicFile.WriteAllText(Path.Combine(outDir, Table1Report.MarkdownFileName), Table1Report.ToMarkdown(selected, o.Methods, o.Datasets));
        Table1Report.SavePng(selected, o.Methods, o.Datasets, Path.Combine(outDir, Table1Report.PngFileName));
        _log.WriteLine($"Wrote {Table1Report.MarkdownFileName}, {Table1Report.JsonFileName} and {Table1Report.PngFileName} in {outDir} ({clock.Elapsed:hh\\:mm\\:ss}).");
        return selected;
    }

    private async Task<SourceData> BuildAsync(string source, int seed, CancellationToken cancellationToken)
    {
        var o = _options;
        if (source == "pets")
        {
            var defaults = new PetsDatasetOptions();
            var builder = new PetsDatasetBuilder(new PetsDatasetOptions
            {
                Seed = seed,
                TrainExamples = o.TrainExamples ?? defaults.TrainExamples,
                TestExamples = o.TestExamples ?? defaults.TestExamples,
                OodTestExamples = o.OodExamples ?? defaults.OodTestExamples,
            });
            var pets = builder.Build();
            var ood = new Lazy<IReadOnlyList<PreferenceExample>>(builder.BuildOod);
            return new SourceData(pets.Train, d => d == "pets-ood" ? ood.Value : pets.Test);
        }

        if (source is "prism" or "prism-profile")
        {
            var prism = await new PrismDatasetBuilder(new PrismDatasetOptions { Seed = seed, IncludeProfile = source == "prism-profile" })
                .BuildAsync(Path.Combine(o.PrismDirectory!, "survey.jsonl"), Path.Combine(o.PrismDirectory!, "conversations.jsonl"), cancellationToken);
            // PRISM's builder keeps every pair; --train and --test take a seeded sample of them.
            var prismTrain = Sample(prism.Train, o.TrainExamples, seed);
            var prismTest = Sample(prism.Test, o.TestExamples, seed + 1);
            return new SourceData(prismTrain, _ => prismTest);
        }

        var uf = new UltraFeedbackPOptions
        {
            Variant = source == "uf-p-4" ? UltraFeedbackPVariant.P4 : UltraFeedbackPVariant.P2,
            Seed = seed,
            TrainExamples = o.TrainExamples,
            TestExamples = o.TestExamples ?? new UltraFeedbackPOptions().TestExamples,
        };
        var split = await new UltraFeedbackPBuilder(uf).BuildAsync(o.UltraFeedbackPath!, cancellationToken);
        return new SourceData(split.Train, _ => split.Test);
    }

    private static IReadOnlyList<PreferenceExample> Sample(IReadOnlyList<PreferenceExample> examples, int? count, int seed)
    {
        if (count is not { } n || n >= examples.Count) return examples;
        var random = new Random(seed);
        return examples.OrderBy(_ => random.Next()).Take(n).ToList();
    }

    private async Task<ITrainedPreferenceModel> TrainAsync(
        string method, string source, int seed, IReadOnlyList<PreferenceExample> train, string modelDir, HfTokenizer tokenizer, TorchSharp.torch.Device device,
        string runDir, IProgress<TrainingProgress> progress, CancellationToken cancellationToken)
    {
        var domain = source switch
        {
            "pets" => PromptDomain.Pets,
            "prism" or "prism-profile" => PromptDomain.Prism,
            _ => PromptDomain.UltraFeedback,
        };
        ConditionedRewardModel NewRewardModel() => new(
            RewardModel.FromPretrained(modelDir, device, newHeadSeed: seed),
            new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(domain))),
            batchSize: 64);

        // The quickstart's tiny-model settings for the Bradley-Terry rows: one epoch, batch 32, learning rate 5e-4.
        void Training(BradleyTerryOptions t)
        {
            t.Epochs = 1;
            t.BatchSize = 32;
            t.LearningRate = 5e-4;
            t.Seed = seed;
            t.CheckpointDirectory = Path.Combine(runDir, "checkpoints");
            t.CheckpointEvery = 20;
            t.LogEvery = 10;
        }

        switch (method)
        {
            case PreferenceMethods.Btl or PreferenceMethods.Icl or PreferenceMethods.Oracle:
                return await BaselineTrainers.RewardModelBaseline(method, NewRewardModel, Training).TrainModelAsync(train, progress: progress, cancellationToken: cancellationToken);
            case PreferenceMethods.Dpl:
                return await BaselineTrainers.Dpl(NewRewardModel, d =>
                {
                    d.Head = new DplOptions { Variant = DplVariant.MeanVariance };
                    Training(d.Training);
                }).TrainModelAsync(train, progress: progress, cancellationToken: cancellationToken);
            case PreferenceMethods.Vpl:
                return await BaselineTrainers.Vpl(NewRewardModel, v =>
                {
                    // The anchor has no PRISM weight; PRISM runs with the default (Pets') KL weight.
                    var vpl = source.StartsWith("prism", StringComparison.Ordinal) ? new VplOptions() : VplOptions.ForDataset(source);
                    v.Vpl = vpl with { Seed = seed, ClampMean = _options.VplClampMean };
                    Training(v.Training);
                    // Only the small networks train on cached embeddings: more passes at a larger rate (docs/baselines.md).
                    v.Training.Epochs = 4;
                    v.Training.LearningRate = 1e-3;
                }).TrainModelAsync(train, progress: progress, cancellationToken: cancellationToken);
            default:
            {
                // PLUS and PLUS-untrained with the quickstart's tuned defaults: 2 epochs, the first 40 steps train the
                // reward model on the untrained summarizer's summaries before PPO moves the summarizer.
                bool trainSummarizer = method == PreferenceMethods.Plus;
                var summarizer = CausalLM.FromPretrained(modelDir, device);
                var reward = NewRewardModel();
                var options = new PlusTrainerOptions
                {
                    Domain = domain, TrainSummarizer = trainSummarizer, Seed = seed, Epochs = 2, FreezeSummarizerSteps = 40,
                    Ppo = new Plus.Torch.Rl.PpoSettings { MiniBatchSize = 16, Epochs = 1 },
                    CheckpointDirectory = Path.Combine(runDir, "checkpoints"),
                    MetricsPath = Path.Combine(runDir, "metrics.jsonl"),
                };
                using var trainer = new PlusTrainer(summarizer, tokenizer, reward, options, ownsModels: true);
                return await trainer.TrainModelAsync(train, progress: progress, cancellationToken: cancellationToken);
            }
        }
    }

    private sealed record SourceData(IReadOnlyList<PreferenceExample> Train, Func<string, IReadOnlyList<PreferenceExample>> Test);

    private sealed class LogProgress(TextWriter log, string method) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value)
        {
            if (value.Message is not null || value.Step % 10 == 0 || value.Step == value.TotalSteps) log.WriteLine($"  {method} {value}");
        }
    }
}
