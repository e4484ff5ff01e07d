using System.Globalization;
using Plus;
using Plus.Data;
using Plus.Metrics;
using Plus.Prompts;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

/// <summary>
/// Trains an Oracle-conditioned reward model on the Pets training split from a model folder and reports the
/// controversial accuracy: the ceiling PLUS can reach with a perfect summary, for the same number of steps.
/// </summary>
internal static class RewardProbe
{
    public static async Task RunAsync(string directory, int epochs, double learningRate)
    {
        var tokenizer = HfTokenizer.Load(directory);
        var prompts = new PromptRenderer(PromptDomain.Pets);
        var pets = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 7 }).Build();
        var rm = RewardModel.FromPretrained(directory, newHeadSeed: 7);
        using var model = new ConditionedRewardModel(rm, new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(prompts)), batchSize: 64);
        var trainer = new BradleyTerryTrainer(
            new BradleyTerryOptions { Kind = ConditioningKind.Oracle, Epochs = epochs, BatchSize = 32, LearningRate = learningRate, Seed = 7 },
            () => model);
        var progress = new Progress<TrainingProgress>(p => { if (p.Step % 20 == 0) Console.WriteLine("  " + p); });
        var trained = await trainer.TrainModelAsync(pets.Train, progress: progress);
        var report = await Evaluator.EvaluateAsync(trained, pets.Test, batchSize: 64);
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"oracle reward model, {epochs} epoch(s), lr {learningRate}: accuracy {report.Accuracy:P1}, controversial {report.Groups[ExampleGroups.Controversial].Accuracy:P1}"));
    }
}
