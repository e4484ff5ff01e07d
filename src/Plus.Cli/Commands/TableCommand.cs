using System.CommandLine;
using Plus.Table1;
using Plus.Terminal.Progress;

namespace Plus.Cli.Commands;

/// <summary>
/// <c>plus table</c>: the paper's Table 1 (methods × data sets × seeds) through the harness of
/// <c>samples/Plus.Table1</c> (<see cref="Table1Harness"/>, the same code, referenced), each cell's training shown by
/// the progress display. Writes <c>table.md</c>, <c>table.json</c>, <c>table.png</c> and <c>models/</c>; finished cells
/// are reused on a rerun.
/// </summary>
internal static class TableCommand
{
    public static Command Create()
    {
        var defaults = new Table1Options { OutputDirectory = "." };
        var methods = new Option<string>("--methods")
        {
            Description = $"Comma-separated methods (rows), in any order: {string.Join(",", defaults.Methods)}.",
            DefaultValueFactory = _ => string.Join(",", defaults.Methods),
            HelpName = "LIST",
        };
        var datasets = new Option<string>("--datasets")
        {
            Description = "Comma-separated data sets (columns): pets, pets-ood; uf-p-2, uf-p-4 with --ultrafeedback; prism, prism-profile with --prism.",
            DefaultValueFactory = _ => string.Join(",", defaults.Datasets),
            HelpName = "LIST",
        };
        var seeds = CliOptions.Count("--seeds", "Seeds per cell (0 … N-1); the table shows mean ± std.", defaults.Seeds, 1);
        var output = CliOptions.OutDirectory("The table folder: table.md, table.json, table.png, models/ and runs/ (a rerun reuses its finished cells).");
        var ultraFeedback = new Option<FileInfo>("--ultrafeedback") { Description = "The UltraFeedback preference JSONL the UF-P-2 and UF-P-4 columns are built from (needed for them).", HelpName = "FILE" };
        ultraFeedback.AcceptExistingOnly();
        var prism = new Option<DirectoryInfo>("--prism") { Description = "The folder with PRISM's survey.jsonl and conversations.jsonl the PRISM and PRISM (+Profile) columns are built from (needed for them).", HelpName = "DIR" };
        prism.AcceptExistingOnly();
        var modelDir = new Option<DirectoryInfo>("--model-dir") { Description = "The base model folder; the embedded plus-tiny-qwen2 when omitted.", HelpName = "DIR" };
        modelDir.AcceptExistingOnly();
        var train = CliOptions.OptionalCount("--train", "Training examples per data set (the builder's default when omitted).", 1);
        var test = CliOptions.OptionalCount("--test", "Test examples per data set.", 1);
        var ood = CliOptions.OptionalCount("--ood", "Pets-OOD test examples.", 1);
        var vplClampMean = new Option<bool>("--vpl-clamp-mean") { Description = "VPL: clamp the posterior mean (the reference's default).", DefaultValueFactory = _ => defaults.VplClampMean };
        var threads = CliOptions.OptionalCount("--threads", "libtorch's CPU threads.", 1);
        var device = CliOptions.Device(defaults.Device);

        var command = new Command("table", "Run the paper's Table 1 (methods × data sets × seeds) and write table.md, table.json and table.png; a rerun reuses finished cells.")
        {
            methods, datasets, seeds, output, ultraFeedback, prism, modelDir, train, test, ood, vplClampMean, threads, device,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            static IReadOnlyList<string> List(string value) => value.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (parse.GetValue(threads) is { } n) TorchSharp.torch.set_num_threads(n);
            var options = new Table1Options
            {
                OutputDirectory = parse.GetValue(output)!.FullName,
                Methods = List(parse.GetValue(methods)!),
                Datasets = List(parse.GetValue(datasets)!),
                Seeds = parse.GetValue(seeds),
                ModelDirectory = parse.GetValue(modelDir)?.FullName,
                TrainExamples = parse.GetValue(train),
                TestExamples = parse.GetValue(test),
                OodExamples = parse.GetValue(ood),
                VplClampMean = parse.GetValue(vplClampMean),
                UltraFeedbackPath = parse.GetValue(ultraFeedback)?.FullName,
                PrismDirectory = parse.GetValue(prism)?.FullName,
                Device = parse.GetValue(device)!,
            };

            // The harness writes a line per cell to standard output; each cell's training goes through the display.
            await TrainingProgressDisplay.RunAsync(
                (progress, ct2) => new Table1Harness(options, stdout, progress).RunAsync(ct2),
                new TrainingProgressDisplayOptions { PlainOutput = stdout, PlainEverySteps = 10 },
                token).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
