using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plus.Data;
using Plus.Metrics;

namespace Plus.Cli.Commands;

/// <summary><c>plus eval</c>: accuracy of a saved model overall and per group, the numbers of <see cref="Evaluator"/>.</summary>
internal static class EvalCommand
{
    public static Command Create()
    {
        var model = ModelFolder.Option();
        var data = CliOptions.ExistingFile("--data", "The evaluation examples (Plus preference JSONL).");
        data.Aliases.Add("-d");
        var json = new Option<FileInfo>("--json") { Description = "Also write the report as JSON to this file.", HelpName = "FILE" };
        var device = CliOptions.Device("cpu");
        var dtype = CliOptions.DType();
        var command = new Command("eval", "Evaluate a saved model on preference JSONL: pairwise accuracy overall and per group (Evaluator.EvaluateAsync).")
        {
            model, data, json, device, dtype,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            var dataFile = parse.GetValue(data)!;
            var examples = await PreferenceJsonl.ReadAllAsync(dataFile.FullName, token).ConfigureAwait(false);
            if (examples.Count == 0) throw new InvalidDataException($"{dataFile} holds no examples to evaluate.");
            var folder = ModelFolder.Resolve(parse.GetValue(model)!);
            using var trained = ModelFolder.Load(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(dtype)!);
            var report = await Evaluator.EvaluateAsync(trained, examples, cancellationToken: token).ConfigureAwait(false);

            await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"{trained.Name} on {dataFile}: accuracy {report.Accuracy:F4} ({report.Count} examples)")).ConfigureAwait(false);
            foreach (var (group, accuracy) in report.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                await stdout.WriteLineAsync(string.Create(CultureInfo.InvariantCulture, $"  {group}: {accuracy.Accuracy:F4} ({accuracy.Count} examples)")).ConfigureAwait(false);
            }

            if (parse.GetValue(json) is { } target)
            {
                var groups = new JsonObject();
                foreach (var (group, accuracy) in report.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
                {
                    groups[group] = new JsonObject { ["accuracy"] = accuracy.Accuracy, ["count"] = accuracy.Count };
                }

                var document = new JsonObject
                {
                    ["model"] = folder,
                    ["method"] = trained.Name,
                    ["data"] = dataFile.FullName,
                    ["accuracy"] = report.Accuracy,
                    ["count"] = report.Count,
                    ["groups"] = groups,
                };
                if (target.DirectoryName is { } dir) Directory.CreateDirectory(dir);
                await File.WriteAllTextAsync(target.FullName, document.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n", token).ConfigureAwait(false);
                await stdout.WriteLineAsync($"Wrote {target}").ConfigureAwait(false);
            }
        }, ct));
        return command;
    }
}
