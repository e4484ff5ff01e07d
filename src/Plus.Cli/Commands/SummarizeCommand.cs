using System.CommandLine;
using Plus.Data;

namespace Plus.Cli.Commands;

/// <summary><c>plus summarize</c>: the user summaries a saved PLUS or PLUS-untrained model writes, one per distinct user and context.</summary>
internal static class SummarizeCommand
{
    public static Command Create()
    {
        var model = ModelFolder.Option();
        var data = CliOptions.ExistingFile("--data", "Examples whose users' contexts are summarized (Plus preference JSONL).");
        data.Aliases.Add("-d");
        var output = CliOptions.OutputFile("Write the JSONL here instead of standard output.");
        var device = CliOptions.Device("cpu");
        var dtype = CliOptions.DType();
        var command = new Command("summarize", "Write the summary of each distinct user and context as JSONL (user_id, summary): models with a summarizer (PLUS, PLUS-untrained).")
        {
            model, data, output, device, dtype,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, stderr, token) =>
        {
            var dataFile = parse.GetValue(data)!;
            var examples = await PreferenceJsonl.ReadAllAsync(dataFile.FullName, token).ConfigureAwait(false);
            using var trained = ModelFolder.Load(parse.GetValue(model)!, parse.GetValue(device)!, parse.GetValue(dtype)!);
            if (trained.Summarizer is null)
            {
                throw new InvalidOperationException(
                    $"The {trained.Name} model in '{ModelFolder.Resolve(parse.GetValue(model)!)}' has no summarizer (only PLUS and PLUS-untrained write summaries); use plus predict or plus eval with it.");
            }

            // One line per user and context, in file order (a user's examples usually share one context).
            var distinct = examples.Select(e => (e.UserId, e.Context)).Distinct().ToList();
            var summaries = await ModelFolder.SummarizeAsync(trained, distinct.Select(d => d.Context), token).ConfigureAwait(false);
            var target = parse.GetValue(output);
            await using var writer = ModelJsonl.Open(target, stdout);
            foreach (var (user, context) in distinct)
            {
                var summary = summaries[context];
                await writer.WriteAsync(json =>
                {
                    json.WriteString("user_id", user);
                    json.WriteString("summary", summary.Text);
                }).ConfigureAwait(false);
            }

            await writer.CompleteAsync().ConfigureAwait(false);
            if (target is not null) await stdout.WriteLineAsync($"Wrote {writer.Lines} summaries of {distinct.Select(d => d.UserId).Distinct(StringComparer.Ordinal).Count()} users to {target}").ConfigureAwait(false);
        }, ct));
        return command;
    }
}
