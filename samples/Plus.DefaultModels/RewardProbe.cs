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

/// <summary>
/// Trains a summary-conditioned reward model as PLUS's step 4 does, but on a fixed summary per user, to separate
/// "the reward model cannot read summaries" from "the summaries say nothing".
/// </summary>
internal static class SummaryRewardProbe
{
    public static void Run(string directory, string template, double learningRate)
    {
        var tokenizer = HfTokenizer.Load(directory);
        var prompts = new PromptRenderer(PromptDomain.Pets);
        var pets = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 7 }).Build();
        var rm = RewardModel.FromPretrained(directory, newHeadSeed: 7);
        using var model = new ConditionedRewardModel(rm, new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(prompts)), batchSize: 64);
        string Summary(PreferenceExample e)
        {
            string preferred = e.Context.Pairs[0].Chosen.Split(' ')[0], other = e.Context.Pairs[0].Rejected.Split(' ')[0];
            return template.Replace("{p}", preferred, StringComparison.Ordinal).Replace("{o}", other, StringComparison.Ordinal);
        }

        ConditionedPair Pair(PreferenceExample e) => new(e.Target, UserConditioning.FromSummary(UserSummary.FromUser(Summary(e))));
        Console.WriteLine(model.Encoder.RenderText(new RewardQuery(pets.Train[0].Target.Prompt, pets.Train[0].Target.Chosen, UserConditioning.FromSummary(UserSummary.FromUser(Summary(pets.Train[0]))))));
        var parameters = model.Model.TrainableParameters().Select(p => p.Parameter).ToList();
        using var optimizer = OptimizerFactory.CreateAdamW(parameters, new AdamWSettings { LearningRate = learningRate });
        var rng = new Random(7);
        var order = Enumerable.Range(0, pets.Train.Count).OrderBy(_ => rng.Next()).ToArray();
        for (int step = 0; step < 62; step++)
        {
            using var scope = TorchSharp.torch.NewDisposeScope();
            model.Model.train();
            var chunk = order.Skip(step * 32).Take(32).Select(i => Pair(pets.Train[i])).ToList();
            var output = model.PairLoss(chunk);
            optimizer.zero_grad();
            output.Loss.backward();
            GradientClipping.ClipByGlobalNorm(parameters, 1.0);
            optimizer.step();
            if (step % 10 == 0) Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  step {step} loss {output.Loss.item<float>():F3} correct {output.CountCorrect()}/{chunk.Count}"));
        }

        model.Model.eval();
        var test = pets.Test.Where(e => e.Group == ExampleGroups.Controversial).ToList();
        using var _ = TorchSharp.torch.no_grad();
        var (c, r, _) = model.ForwardPairs(test.Select(Pair).ToList());
        double accuracy = (c > r).to_type(TorchSharp.torch.ScalarType.Float32).mean().item<float>();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"summary '{template}': controversial test accuracy {accuracy:P1}"));
    }
}
