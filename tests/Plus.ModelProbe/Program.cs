// Loads each saved model given with --model in this (fresh) process (any method: Plus.Baselines' TrainedModels.Load
// dispatches on reward_model.format), predicts P(chosen ≻ rejected) for every example of
// --data and summarizes its distinct contexts, and writes the results as JSON to --out:
//   { "<model dir>": { "method": "...", "probabilities": [...], "summaries": ["...", ...] }, ... }
//   dotnet Plus.ModelProbe.dll --data examples.jsonl --out results.json --model DIR [--model DIR ...]
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus.Baselines.Persistence;
using Plus.Data;
using Plus.Torch.Persistence;

string? data = null, output = null;
var models = new List<string>();
for (int i = 0; i < args.Length; i++)
{
    string value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
    switch (args[i])
    {
        case "--data": data = value; i++; break;
        case "--out": output = value; i++; break;
        case "--model": models.Add(value); i++; break;
        default: throw new ArgumentException($"Unknown argument '{args[i]}'.");
    }
}

if (data is null || output is null || models.Count == 0) throw new ArgumentException("Usage: --data FILE --out FILE --model DIR [--model DIR ...]");
var examples = await PreferenceJsonl.ReadAllAsync(data);
var result = new JsonObject();
foreach (var dir in models)
{
    using var model = TrainedModels.Load(dir);
    var probabilities = await model.PredictChosenProbabilitiesAsync(examples);
    var entry = new JsonObject
    {
        ["method"] = model.Name,
        ["probabilities"] = new JsonArray([.. probabilities.Select(p => (JsonNode)p)]),
    };
    if (model is TrainedModel { Summarizer: not null } withSummarizer)
    {
        var summaries = await withSummarizer.SummarizeAsync(examples.Select(e => e.Context));
        entry["summaries"] = new JsonArray([.. examples.Select(e => e.Context).Distinct().Select(c => (JsonNode)summaries[c].Text)]);
    }

    result[dir] = entry;
}

await File.WriteAllTextAsync(output, result.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
return 0;
