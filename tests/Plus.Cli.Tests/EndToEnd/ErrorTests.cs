namespace Plus.Cli.Tests.EndToEnd;

/// <summary>Every documented error gives a non-zero exit and names what is wrong (docs/cli.md, "Errors").</summary>
public class ErrorTests
{
    public static TheoryData<string[], string> Errors()
    {
        var hh = PlusTool.Fixture("cli", "hh-personas.jsonl");
        var hhBad = PlusTool.Fixture("cli", "hh-bad.jsonl");
        var trlBad = PlusTool.Fixture("cli", "trl-bad.jsonl");
        var metrics = PlusTool.Fixture("cli", "metrics.jsonl");
        var outDir = Path.Combine(Path.GetTempPath(), "plus-cli-tests", "errors-out");
        var examples = PlusTool.Fixture("cli", "pets-examples.jsonl");
        var runDir = Path.Combine(Path.GetTempPath(), "plus-cli-tests", "errors-run"); // never created: every train row fails first
        var notAModel = PlusTool.Fixture("cli");
        return new TheoryData<string[], string>
        {
            { ["frob"], "Unrecognized command or argument 'frob'" },
            { ["data"], "Required command was not provided" },
            { ["data", "pets", "--out", outDir, "--bogus"], "Unrecognized command or argument '--bogus'" },
            { ["data", "pets"], "Option '--out' is required" },
            { ["data", "pets", "--out", outDir, "--seed", "abc"], "Cannot parse argument 'abc' for option '--seed'" },
            { ["data", "pets", "--out", outDir, "--train-examples", "-1"], "Option '--train-examples' must be at least 0, found -1." },
            { ["data", "pets", "--out", outDir, "--context-pairs", "100000"], "error: The training pool has only 6400 distinct Dog vs Cat pairs, fewer than ContextPairs (100000) plus the controversial targets per user (1); lower ContextPairs or ExamplesPerUser.\n" },
            { ["data", "uf-p", "--input", "missing.jsonl", "--out", outDir], "File does not exist: 'missing.jsonl'" },
            { ["data", "uf-p", "--input", hh, "--out", outDir, "--variant", "3"], "Option '--variant' must be 2 or 4, found 3." },
            { ["data", "prism", "--input", "no-such-folder", "--out", outDir], "Directory does not exist: 'no-such-folder'" },
            { ["data", "import", "--format", "xml", "--input", hh, "--out", outDir], "Argument 'xml' not recognized" },
            { ["data", "import", "--format", "hh", "--input", "missing.jsonl", "--out", outDir, "--user-field", "u"], "File does not exist: 'missing.jsonl'" },
            { ["data", "import", "--format", "hh", "--input", hh, "--out", outDir], "--format hh needs '--user-field F'" },
            { ["data", "import", "--format", "hh", "--input", hh, "--out", outDir, "--user-field", "a", "--user-type-field", "b"], "cannot be used together" },
            { ["data", "import", "--format", "jsonl", "--input", hh, "--out", outDir, "--user-field", "u"], "Option '--user-field' does not apply to --format jsonl" },
            { ["data", "import", "--format", "hh", "--input", hh, "--out", outDir, "--user-type-field", "persona", "--test-fraction", "1.5"], "Option '--test-fraction' must be in [0, 1], found 1.5." },
            { ["data", "import", "--format", "hh", "--input", hh, "--out", outDir, "--user-type-field", "persona", "--context-pairs", "0"], "must be at least 1 with '--user-type-field'" },
            { ["data", "import", "--format", "hh", "--input", hhBad, "--out", outDir, "--user-type-field", "persona"], $"error: {hhBad} line 4: field 'rejected' is missing (use --skip-bad" },
            { ["data", "import", "--format", "hh", "--input", hh, "--out", outDir, "--user-field", "user_id"], $"error: {hh} line 1: field 'user_id' is missing" },
            { ["data", "import", "--format", "trl", "--input", trlBad, "--out", outDir, "--user-field", "user_id"], $"error: {trlBad} line 2: field 'chosen[0].role' must be 'user', 'assistant' or 'system', found 'robot'" },
            { ["data", "import", "--format", "hh", "--input", hh, "--out", outDir, "--user-type-field", "persona", "--context-pairs", "14", "--test-fraction", "0.5"], "error: User type 'concise' has 8 row(s) on the test side" },
            { ["train", "--method", "BTL", "--data", "missing.jsonl", "--out", runDir], "File does not exist: 'missing.jsonl'" },
            { ["train", "--method", "BTL", "--data", examples, "--eval", "missing.jsonl", "--out", runDir], "File does not exist: 'missing.jsonl'" },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--bogus"], "Unrecognized command or argument '--bogus'" },
            { ["train", "--method", "frob", "--data", examples, "--out", runDir], "Option '--method' must be one of BTL, DPL, VPL, ICL, Oracle, PLUS-untrained, PLUS, found 'frob'." },
            { ["train", "--data", examples, "--out", runDir], "Option '--method' is required" },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--model", "no-such-model"], "Directory does not exist: 'no-such-model'." },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--epochs", "0"], "Option '--epochs' must be at least 1, found 0." },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--checkpoint-every", "-1"], "Option '--checkpoint-every' must be at least 0, found -1." },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--lr", "-1"], "Option '--lr' must be a positive number, found -1." },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--device", "tpu"], "Argument 'tpu' not recognized" },
            { ["train", "--method", "BTL", "--data", examples, "--out", runDir, "--domain", "cars"], "Argument 'cars' not recognized" },
            { ["train", "--method", "BTL", "--data", hh, "--out", runDir], $"error: {hh} line 1: " },
            { ["eval", "--model", notAModel, "--data", examples], $"error: '{notAModel}' is not a saved model: neither it nor its model/ sub-folder has plus.json" },
            { ["eval", "--model", "no-such-model", "--data", examples], "Directory does not exist: 'no-such-model'" },
            { ["eval", "--model", notAModel, "--data", "missing.jsonl"], "File does not exist: 'missing.jsonl'" },
            { ["eval", "--model", notAModel], "Option '--data' is required" },
            { ["summarize", "--model", notAModel, "--data", examples], $"error: '{notAModel}' is not a saved model" },
            { ["predict", "--model", notAModel, "--data", examples], $"error: '{notAModel}' is not a saved model" },
            { ["predict", "--model", notAModel, "--data", examples, "--summary", " "], "Option '--summary' must not be blank." },
            { ["predict", "--model", notAModel, "--data", examples, "--frob"], "Unrecognized command or argument '--frob'" },
            { ["plot", "--metrics", "missing.jsonl", "--out", "x.png"], "File does not exist: 'missing.jsonl'" },
            { ["plot", "--metrics", metrics, "--out", "x.png", "--width", "20000"], "Option '--width' must be at most 10000, found 20000." },
            { ["plot", "--metrics", hh, "--out", Path.Combine(outDir, "x.png")], $"error: {hh} line 1: field 'step' must be a number" },
        };
    }

    [Theory]
    [MemberData(nameof(Errors))]
    public async Task A_documented_error_exits_non_zero_with_its_message(string[] args, string message)
    {
        var result = await PlusTool.RunAsync(args);
        Assert.True(result.ExitCode != 0, result.ToString());
        Assert.Contains(message, result.Error);
        Assert.DoesNotContain("   at ", result.Error); // a message, not a stack trace
    }
}
