using Microsoft.Extensions.DependencyInjection;
using Plus;
using Plus.Data;
using Plus.Metrics;
using Plus.Training;

string root = args.Length > 0 ? args[0] : Path.Combine("artifacts", "using-it");
var pets = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 7, TrainExamples = 640 }).Build();

// 1. Train PLUS on the embedded default model (AddTorchBackend() without a ModelPath) and save it.
var training = new ServiceCollection();
training.AddPlus(o => { o.Domain = "pets"; o.Seed = 7; })
    .AddTorchBackend()                                  // or o => { o.ModelPath = "/models/qwen2.5-0.5b"; o.Device = "cuda"; }
    .AddPlusTrainers(o => o.CheckpointDirectory = Path.Combine(root, "runs"));
using (var provider = training.BuildServiceProvider())
{
    var trainer = provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Plus);
    var progress = new Progress<TrainingProgress>(p => { if (p.Message is not null || p.Step % 5 == 0) Console.WriteLine(p); });
    using var model = await trainer.TrainAsync(pets.Train, progress: progress);
    var report = await Evaluator.EvaluateAsync(model, pets.Test);
    Console.WriteLine($"accuracy {report.Accuracy:P1}, controversial pairs {report.Groups[ExampleGroups.Controversial].Accuracy:P1}");
    await model.SaveAsync(Path.Combine(root, "model"));
}

// 2. Serve it from a fresh provider that never trains: AddPlusModel loads the saved folder.
var serving = new ServiceCollection();
serving.AddPlus().AddPlusModel(Path.Combine(root, "model"));
using var app = serving.BuildServiceProvider();
var predictor = app.GetRequiredService<IPreferencePredictor>();

// 3. A user the model has not seen: predict, show the summary that explains it, and use the user's edit of it.
var user = pets.Test.First(e => e.Group == ExampleGroups.Controversial);
var (prompt, first, second) = (user.Target.Prompt, user.Target.Chosen, user.Target.Rejected);
var prediction = await predictor.PredictAsync(user.Context, prompt, first, second);
Console.WriteLine($"summary: {prediction.Summary!.Text}");
Console.WriteLine($"P(\"{first[..30]}…\" preferred) = {prediction.ProbabilityFirst:F3}");
var edited = UserSummary.FromUser(prediction.Summary.Text.Contains("Dog", StringComparison.OrdinalIgnoreCase) ? "The user chose Cats." : "The user chose Dogs.");
var after = await predictor.PredictAsync(user.Context, prompt, first, second, edited);
Console.WriteLine($"with the edited summary \"{edited.Text}\": {after.ProbabilityFirst:F3}");
