using System.CommandLine;
using Plus.Data;

namespace Plus.Cli.Commands;

/// <summary><c>plus data import</c>: converts HH-RLHF, TRL/OpenRLHF or Plus JSONL files into a by-user split.</summary>
internal static class ImportCommand
{
    private const int DefaultContextPairs = 3;

    public static Command Create()
    {
        var format = new Option<string>("--format", "-f")
        {
            Description = "Row format: hh (HH-RLHF chosen/rejected transcripts), trl (TRL/OpenRLHF prompt/chosen/rejected) or jsonl (Plus examples).",
            Required = true,
        };
        format.AcceptOnlyFromAmong("hh", "trl", "jsonl");
        var inputs = new Option<FileInfo[]>("--input", "-i")
        {
            Description = "An input JSONL file; repeat for several files.",
            Required = true,
            Arity = ArgumentArity.OneOrMore,
            AllowMultipleArgumentsPerToken = true,
            HelpName = "FILE",
        };
        inputs.AcceptExistingOnly();
        var output = CliOptions.OutDirectory("Folder for train.jsonl and test.jsonl (created if needed).");
        var userField = new Option<string>("--user-field") { Description = "Field holding each row's user id (hh, trl).", HelpName = "F" };
        var typeField = new Option<string>("--user-type-field") { Description = "Field holding each row's user type; users are synthesized per type as VPL does (hh, trl).", HelpName = "F" };
        var groupField = new Option<string>("--group-field") { Description = "Field holding each row's evaluation group (hh, trl).", HelpName = "F" };
        var contextPairs = CliOptions.OptionalCount("--context-pairs", $"Past pairs per context (hh, trl; default {DefaultContextPairs}): with --user-field at most this many of the user's other rows, with --user-type-field exactly this many other rows of the type.", 0);
        var fraction = CliOptions.Fraction("--test-fraction", "Fraction held out for test.jsonl, in [0, 1]: of users (--user-field, jsonl) or of each type's rows (--user-type-field).", 0.1, open: false);
        var seed = CliOptions.Seed();
        var skipBad = new Option<bool>("--skip-bad") { Description = "Report each bad row (file and line) on standard error and skip it, instead of failing at the first one." };

        var command = new Command(
            "import",
            "Convert HH-RLHF, TRL/OpenRLHF or Plus JSONL preference files into DIR/train.jsonl and DIR/test.jsonl, split by user (seeded).")
        {
            format, inputs, output, userField, typeField, groupField, contextPairs, fraction, seed, skipBad,
        };
        command.Validators.Add(result =>
        {
            // Raw tokens: GetValue would throw on a value that fails its own validation (reported separately).
            var formatValue = FirstToken(result.GetResult(format));
            var hasUser = result.GetResult(userField) is not null;
            var hasType = result.GetResult(typeField) is not null;
            if (formatValue == "jsonl")
            {
                foreach (var option in new Option[] { userField, typeField, groupField, contextPairs })
                {
                    if (result.GetResult(option) is not null)
                    {
                        result.AddError($"Option '{option.Name}' does not apply to --format jsonl (its rows already carry users, contexts and groups).");
                    }
                }
            }
            else if (formatValue is "hh" or "trl" && hasUser == hasType)
            {
                result.AddError(hasUser
                    ? "Options '--user-field' and '--user-type-field' cannot be used together."
                    : $"--format {formatValue} needs '--user-field F' (rows carry a user id) or '--user-type-field F' (users are synthesized per type).");
            }

            if (hasType && FirstToken(result.GetResult(contextPairs)) == "0")
            {
                result.AddError("Option '--context-pairs' must be at least 1 with '--user-type-field'.");
            }
        });

        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, stderr, token) =>
        {
            var files = parse.GetValue(inputs)!;
            var testFraction = parse.GetValue(fraction);
            var seedValue = parse.GetValue(seed);
            var bad = 0;
            Action<PreferenceDataException>? onBad = parse.GetValue(skipBad)
                ? ex =>
                {
                    bad++;
                    stderr.WriteLine($"skipped: {ex.Message}");
                }
                : null;

            DatasetSplit split;
            int read;
            try
            {
                if (parse.GetValue(format) == "jsonl")
                {
                    var examples = new List<PreferenceExample>();
                    foreach (var file in files)
                    {
                        await foreach (var example in PreferenceRowReader.ReadExamplesAsync(file.ToString(), onBad, token).ConfigureAwait(false))
                        {
                            examples.Add(example);
                        }
                    }

                    read = examples.Count;
                    split = DatasetSplit.ByUser(examples, testFraction, seedValue);
                }
                else
                {
                    var rowFormat = parse.GetValue(format) == "hh" ? PreferenceImportFormat.HhRlhf : PreferenceImportFormat.Trl;
                    var user = parse.GetValue(userField);
                    var type = parse.GetValue(typeField);
                    var rows = new List<ImportedPreferenceRow>();
                    foreach (var file in files)
                    {
                        await foreach (var row in PreferenceRowReader.ReadAsync(file.ToString(), rowFormat, user ?? type, parse.GetValue(groupField), onBad, token).ConfigureAwait(false))
                        {
                            rows.Add(row);
                        }
                    }

                    read = rows.Count;
                    var pairs = parse.GetValue(contextPairs) ?? DefaultContextPairs;
                    split = user is not null
                        ? ImportedUsers.ByUserId(rows, pairs, testFraction, seedValue)
                        : ImportedUsers.ByUserType(rows, pairs, testFraction, seedValue);
                }
            }
            catch (PreferenceDataException ex)
            {
                throw new InvalidDataException($"{ex.Message} (use --skip-bad to report and skip bad rows)", ex);
            }

            if (read == 0) throw new InvalidDataException($"No rows to import: {string.Join(", ", files.Select(f => f.ToString()))} held no {(bad > 0 ? "good " : string.Empty)}rows.");
            await stdout.WriteLineAsync($"Read {read} rows from {files.Length} file(s){(bad > 0 ? $", skipped {bad} bad row(s)" : string.Empty)}").ConfigureAwait(false);
            await DatasetOutput.WriteSplitAsync(parse.GetValue(output)!, split, stdout, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static string? FirstToken(System.CommandLine.Parsing.OptionResult? result) =>
        result is { Tokens.Count: > 0 } ? result.Tokens[0].Value : null;
}
