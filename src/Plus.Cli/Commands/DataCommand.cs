using System.CommandLine;
using Plus.Data;

namespace Plus.Cli.Commands;

/// <summary><c>plus data …</c>: builds the paper's data sets and imports users' preference files.</summary>
internal static class DataCommand
{
    public static Command Create()
    {
        var data = new Command("data", "Build the paper's data sets (Pets, Pets-OOD, UF-P, PRISM) or import your own preference files as train.jsonl and test.jsonl.");
        data.Subcommands.Add(Pets());
        data.Subcommands.Add(PetsOod());
        data.Subcommands.Add(UltraFeedbackP());
        data.Subcommands.Add(Prism());
        data.Subcommands.Add(ImportCommand.Create());
        return data;
    }

    private static Command Pets()
    {
        var defaults = new PetsDatasetOptions();
        var output = CliOptions.OutDirectory("Folder for train.jsonl and test.jsonl (created if needed).");
        var train = CliOptions.Count("--train-examples", "Training examples.", defaults.TrainExamples, 0);
        var test = CliOptions.Count("--test-examples", "Test examples.", defaults.TestExamples, 0);
        var context = CliOptions.Count("--context-pairs", "Past pairs in each user's context.", defaults.ContextPairs, 0);
        var perUser = CliOptions.Count("--examples-per-user", "Target pairs per user.", defaults.ExamplesPerUser, 1);
        var seed = CliOptions.Seed();
        var command = new Command("pets", "Build Pets (dog and cat users; VPL and the PLUS paper) as DIR/train.jsonl and DIR/test.jsonl.")
        {
            output, train, test, context, perUser, seed,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            var options = new PetsDatasetOptions
            {
                TrainExamples = parse.GetValue(train),
                TestExamples = parse.GetValue(test),
                ContextPairs = parse.GetValue(context),
                ExamplesPerUser = parse.GetValue(perUser),
                Seed = parse.GetValue(seed),
            };
            var split = new PetsDatasetBuilder(options).Build();
            await DatasetOutput.WriteSplitAsync(parse.GetValue(output)!, split, stdout, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command PetsOod()
    {
        var defaults = new PetsDatasetOptions();
        var output = CliOptions.OutDirectory("Folder for test.jsonl (created if needed).");
        var test = CliOptions.Count("--test-examples", "Test examples.", defaults.OodTestExamples, 0);
        var context = CliOptions.Count("--context-pairs", "Past pairs in each user's context.", defaults.ContextPairs, 0);
        var perUser = CliOptions.Count("--examples-per-user", "Target pairs per user.", defaults.ExamplesPerUser, 1);
        var seed = CliOptions.Seed();
        var command = new Command("pets-ood", "Build Pets (OOD) (rabbit and bird users, from the Pets test sentences) as DIR/test.jsonl only.")
        {
            output, test, context, perUser, seed,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            var options = new PetsDatasetOptions
            {
                TrainExamples = 0,
                TestExamples = 0,
                OodTestExamples = parse.GetValue(test),
                ContextPairs = parse.GetValue(context),
                ExamplesPerUser = parse.GetValue(perUser),
                Seed = parse.GetValue(seed),
            };
            var examples = new PetsDatasetBuilder(options).BuildOod();
            await DatasetOutput.WriteAsync(parse.GetValue(output)!, DatasetOutput.TestFile, examples, stdout, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command UltraFeedbackP()
    {
        var defaults = new UltraFeedbackPOptions();
        var input = CliOptions.ExistingFile("--input", "UltraFeedback rows as JSONL (openbmb/UltraFeedback: instruction, completions[].annotations).");
        input.Aliases.Add("-i");
        var output = CliOptions.OutDirectory("Folder for train.jsonl and test.jsonl (created if needed).");
        var variant = new Option<int>("--variant")
        {
            Description = "2 for UF-P-2 (helpfulness, honesty) or 4 for UF-P-4 (plus instruction-following, truthfulness).",
            DefaultValueFactory = _ => 2,
            HelpName = "2|4",
        };
        CliOptions.Validate(variant, value => value is 2 or 4 ? null : $"Option '--variant' must be 2 or 4, found {value}.");
        var train = CliOptions.OptionalCount("--train-examples", "Training examples (default: 10000 for UF-P-2, 40000 for UF-P-4).", 0);
        var test = CliOptions.Count("--test-examples", "Test examples.", defaults.TestExamples, 0);
        var minContext = CliOptions.Count("--min-context-pairs", "Fewest past pairs in a context.", defaults.MinContextPairs, 1);
        var maxContext = CliOptions.Count("--max-context-pairs", $"Most past pairs in a context (at most {UltraFeedbackPOptions.ContextPairsLimit}).", defaults.MaxContextPairs, 1);
        var fraction = CliOptions.Fraction("--test-prompt-fraction", "Fraction of prompts (rows) held out for the test set, in (0, 1).", defaults.TestPromptFraction, open: true);
        var noHints = new Option<bool>("--no-attribute-hints") { Description = "Leave the attribute names out of the contexts." };
        var seed = CliOptions.Seed();
        var command = new Command("uf-p", "Build UltraFeedback-Personalized (UF-P-2 or UF-P-4) from the real UltraFeedback file as DIR/train.jsonl and DIR/test.jsonl.")
        {
            input, output, variant, train, test, minContext, maxContext, fraction, noHints, seed,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            var options = new UltraFeedbackPOptions
            {
                Variant = parse.GetValue(variant) == 4 ? UltraFeedbackPVariant.P4 : UltraFeedbackPVariant.P2,
                TrainExamples = parse.GetValue(train),
                TestExamples = parse.GetValue(test),
                MinContextPairs = parse.GetValue(minContext),
                MaxContextPairs = parse.GetValue(maxContext),
                TestPromptFraction = parse.GetValue(fraction),
                IncludeAttributeHints = !parse.GetValue(noHints),
                Seed = parse.GetValue(seed),
            };
            var split = await new UltraFeedbackPBuilder(options).BuildAsync(parse.GetValue(input)!.FullName, token).ConfigureAwait(false);
            await DatasetOutput.WriteSplitAsync(parse.GetValue(output)!, split, stdout, token).ConfigureAwait(false);
        }, ct));
        return command;
    }

    private static Command Prism()
    {
        var defaults = new PrismDatasetOptions();
        var input = new Option<DirectoryInfo>("--input", "-i")
        {
            Description = "Folder holding PRISM's survey.jsonl and conversations.jsonl (HannahRoseKirk/prism-alignment).",
            Required = true,
            HelpName = "DIR",
        };
        input.AcceptExistingOnly();
        var output = CliOptions.OutDirectory("Folder for train.jsonl and test.jsonl (created if needed).");
        var context = CliOptions.Count("--context-pairs", "Past pairs per context.", defaults.ContextPairs, 0);
        var minConversations = CliOptions.Count("--min-conversations", "Users with fewer conversations that yield pairs are left out.", defaults.MinConversationsPerUser, 2);
        var minPairs = CliOptions.Count("--min-pairs", "Users with fewer pairs are left out.", defaults.MinPairsPerUser, 0);
        var maxTrain = CliOptions.Count("--max-train-conversations", "Most conversations per user used for training and contexts.", defaults.MaxTrainConversations, 1);
        var testPairs = CliOptions.Count("--test-pairs-per-user", "Test targets from each user's held-out conversation.", defaults.TestPairsPerUser, 1);
        var noProfile = new Option<bool>("--no-profile") { Description = "Leave the stated-preference profile out of the contexts." };
        var keepUnrated = new Option<bool>("--keep-unrated-users") { Description = "Keep users without all eight stated-preference ratings (the paper leaves them out)." };
        var seed = CliOptions.Seed();
        var command = new Command("prism", "Build the paper's PRISM data set from the real PRISM files as DIR/train.jsonl and DIR/test.jsonl.")
        {
            input, output, context, minConversations, minPairs, maxTrain, testPairs, noProfile, keepUnrated, seed,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, _, token) =>
        {
            var folder = parse.GetValue(input)!;
            var options = new PrismDatasetOptions
            {
                ContextPairs = parse.GetValue(context),
                MinConversationsPerUser = parse.GetValue(minConversations),
                MinPairsPerUser = parse.GetValue(minPairs),
                MaxTrainConversations = parse.GetValue(maxTrain),
                TestPairsPerUser = parse.GetValue(testPairs),
                IncludeProfile = !parse.GetValue(noProfile),
                RequireStatedPreferences = !parse.GetValue(keepUnrated),
                Seed = parse.GetValue(seed),
            };
            var split = await new PrismDatasetBuilder(options).BuildAsync(
                Path.Combine(folder.FullName, "survey.jsonl"), Path.Combine(folder.FullName, "conversations.jsonl"), token).ConfigureAwait(false);
            await DatasetOutput.WriteSplitAsync(parse.GetValue(output)!, split, stdout, token).ConfigureAwait(false);
        }, ct));
        return command;
    }
}
