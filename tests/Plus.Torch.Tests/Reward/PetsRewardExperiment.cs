using System.Diagnostics;
using System.Globalization;
using Plus.Data;
using Plus.Metrics;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Reward;

/// <summary>The settings of one Pets reward-model run (see docs/results.md).</summary>
internal sealed record PetsRunSettings(
    ConditioningKind Kind,
    int Epochs,
    double LearningRate,
    double MinLearningRateRatio = 0.1,
    int Hidden = 64,
    int Layers = 2,
    int BatchSize = 32,
    int Seed = 1,
    int ModelSeed = 7,
    double WeightDecay = 0,
    int TrainExamples = 1970,
    int MaxSteps = 0,
    int MicroBatchSize = 0);

/// <summary>What a Pets run measured on the Pets test split.</summary>
internal sealed record PetsRunResult(string Method, double Accuracy, double Controversial, double Agreed, int Steps, double TrainSeconds, double FinalLoss)
{
    public override string ToString() => string.Create(CultureInfo.InvariantCulture,
        $"{Method}: accuracy {Accuracy:P1}, controversial {Controversial:P1}, agreed {Agreed:P1} after {Steps} steps in {TrainSeconds:F1} s (final batch loss {FinalLoss:F3})");
}

/// <summary>
/// Trains a Bradley-Terry reward model on Pets training examples (<see cref="TrainingSet"/>) from a random tiny Qwen2
/// over the Pets subset of the Qwen tokenizer, and evaluates it on the default Pets test split
/// (<see cref="PetsDatasetBuilder"/> defaults: 194 test examples, 3 context pairs, seed 0).
/// </summary>
internal static class PetsRewardExperiment
{
    private static readonly Lazy<DatasetSplit> LazyData = new(() => new PetsDatasetBuilder().Build());

    public static DatasetSplit Data => LazyData.Value;

    private static readonly Dictionary<int, IReadOnlyList<PreferenceExample>> TrainingSets = [];

    /// <summary>
    /// A training set of <paramref name="examples"/> from the same builder (training sentence pool only; seed 1, so its
    /// users differ from the default split's); the default split's own training set for 1970.
    /// </summary>
    public static IReadOnlyList<PreferenceExample> TrainingSet(int examples)
    {
        if (examples == Data.Train.Count) return Data.Train;
        lock (TrainingSets)
        {
            if (!TrainingSets.TryGetValue(examples, out var set))
            {
                set = new PetsDatasetBuilder(new PetsDatasetOptions { TrainExamples = examples, TestExamples = 0, OodTestExamples = 0, Seed = 1 }).Build().Train;
                TrainingSets[examples] = set;
            }

            return set;
        }
    }

    public static async Task<PetsRunResult> RunAsync(PetsRunSettings settings, Action<string>? log = null)
    {
        var options = new BradleyTerryOptions
        {
            Kind = settings.Kind,
            Epochs = settings.Epochs,
            BatchSize = settings.BatchSize,
            LearningRate = settings.LearningRate,
            WarmupFraction = 0.05,
            MinLearningRateRatio = settings.MinLearningRateRatio,
            WeightDecay = settings.WeightDecay,
            MaxSteps = settings.MaxSteps,
            MicroBatchSize = settings.MicroBatchSize,
            Seed = settings.Seed,
            LogEvery = 50,
        };
        var trainer = new BradleyTerryTrainer(options, () =>
        {
            var model = RewardFixture.TinyModel(settings.ModelSeed, settings.Hidden, settings.Layers, batchSize: 64);
            log?.Invoke(string.Create(CultureInfo.InvariantCulture,
                $"{settings}: vocabulary {model.Encoder.Tokenizer.VocabSize} ids, {model.Model.parameters().Sum(p => p.numel()):N0} parameters"));
            return model;
        });
        var last = default(TrainingProgress);
        var progress = new Sink(p =>
        {
            last = p;
            if (p.Step % 50 == 0) log?.Invoke(p.ToString());
        });
        var train = TrainingSet(settings.TrainExamples);
        var clock = Stopwatch.StartNew();
        using var model = await trainer.TrainModelAsync(train, null, progress);
        double seconds = clock.Elapsed.TotalSeconds;
        var report = await Evaluator.EvaluateAsync(model, Data.Test);
        var result = new PetsRunResult(
            trainer.Name,
            report.Accuracy,
            report.Groups[ExampleGroups.Controversial].Accuracy,
            report.Groups[ExampleGroups.Agreed].Accuracy,
            last!.Step,
            seconds,
            last.Metrics["loss"]);
        log?.Invoke(result.ToString());
        return result;
    }

    private sealed class Sink(Action<TrainingProgress> report) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => report(value);
    }
}
