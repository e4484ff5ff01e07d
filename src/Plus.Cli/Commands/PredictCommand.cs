using System.CommandLine;
using Plus.Data;

namespace Plus.Cli.Commands;

/// <summary>
/// <c>plus predict</c>: per example, the probability that the first (chosen) response is preferred, through the saved
/// model's <see cref="IPreferencePredictor"/> (Algorithm 2), with the summary it used.
/// </summary>
internal static class PredictCommand
{
    public static Command Create()
    {
        var model = ModelFolder.Option();
        var data = CliOptions.ExistingFile("--data", "The examples to predict (Plus preference JSONL); the first response of each pair is its chosen one.");
        data.Aliases.Add("-d");
        var summary = new Option<string>("--summary")
        {
            Description = "A summary (edited by the user) used for every example instead of the summarizer's (PLUS, PLUS-untrained; Oracle: the preference text).",
            HelpName = "TEXT",
        };
        CliOptions.Validate(summary, value => string.IsNullOrWhiteSpace(value) ? "Option '--summary' must not be blank." : null);
        var output = CliOptions.OutputFile("Write the JSONL here instead of standard output.");
        var device = CliOptions.Device("cpu");
        var dtype = CliOptions.DType();
        var command = new Command("predict", "Predict, per example, the probability that the first response is preferred, as JSONL (user_id, summary, probability_first).")
        {
            model, data, summary, output, device, dtype,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            var dataFile = parse.GetValue(data)!;
            var examples = await PreferenceJsonl.ReadAllAsync(dataFile.FullName, token).ConfigureAwait(false);
            using var trained = ModelFolder.Load(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(dtype)!);
            var edited = parse.GetValue(summary) is { } text ? UserSummary.FromUser(text) : null;
            if (edited is not null && trained.Conditioning is not (ConditioningKind.Summary or ConditioningKind.Oracle))
            {
                throw new InvalidOperationException(
                    $"Option '--summary' does not apply to the {trained.Name} model: it conditions on {(trained.Conditioning == ConditioningKind.None ? "nothing about the user" : "the user's context pairs")}, not on a summary.");
            }

            // Without --summary, a summarizing model summarizes each distinct context once, as plus summarize and plus eval do.
            IReadOnlyDictionary<UserContext, UserSummary>? generated = null;
            if (edited is null && trained.Conditioning == ConditioningKind.Summary)
            {
                generated = await ModelFolder.SummarizeAsync(trained, examples.Select(e => e.Context), token).ConfigureAwait(false);
            }

            var target = parse.GetValue(output);
            await using var writer = ModelJsonl.Open(target, stdout);
            for (var i = 0; i < examples.Count; i++)
            {
                var example = examples[i];
                var used = edited ?? (generated is not null ? generated[example.Context] : null);
                if (used is null && trained.Conditioning == ConditioningKind.Oracle)
                {
                    used = example.OraclePreference is { Length: > 0 } oracle
                        ? UserSummary.FromUser(oracle)
                        : throw new InvalidDataException($"{dataFile} example {i + 1} (user '{example.UserId}') has no oracle_preference for the Oracle model; pass --summary TEXT.");
                }

                var pair = example.Target;
                var prediction = await trained.Predictor.PredictAsync(example.Context, pair.Prompt, pair.Chosen, pair.Rejected, used, token).ConfigureAwait(false);
                await writer.WriteAsync(json =>
                {
                    json.WriteString("user_id", example.UserId);
                    if (prediction.Summary is { } s) json.WriteString("summary", s.Text);
                    else json.WriteNull("summary");
                    json.WriteNumber("probability_first", prediction.ProbabilityFirst);
                }).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
            if (target is not null) await stdout.WriteLineAsync($"Wrote {writer.Lines} predictions to {target}").ConfigureAwait(false);
        }, ct));
        return command;
    }
}
