namespace Plus.Table1;

/// <summary>What the harness runs (the command line's flags).</summary>
public sealed record Table1Options
{
    /// <summary>The methods, paper names (<c>--methods</c>; default all seven).</summary>
    public IReadOnlyList<string> Methods { get; init; } = ["BTL", "DPL", "VPL", "ICL", "PLUS-untrained", "PLUS", "Oracle"];

    /// <summary>
    /// The data sets (<c>--datasets</c>): <c>pets</c> (the Pets test split), <c>pets-ood</c> (rabbits and birds,
    /// evaluated with the Pets-trained model), <c>uf-p-2</c> and <c>uf-p-4</c> (UltraFeedback-P built from
    /// <see cref="UltraFeedbackPath"/>, each with its own models), <c>prism</c> and <c>prism-profile</c> (PRISM built from
    /// <see cref="PrismDirectory"/>, the second with each user's stated-preference profile in the context; each with its
    /// own models).
    /// </summary>
    public IReadOnlyList<string> Datasets { get; init; } = ["pets", "pets-ood"];

    /// <summary>How many seeds (<c>--seeds</c>): seeds 0 … n−1, each building its own data and training its own models.</summary>
    public int Seeds { get; init; } = 3;

    /// <summary>The output folder (<c>--out</c>).</summary>
    public required string OutputDirectory { get; init; }

    /// <summary>The base model folder (<c>--model-dir</c>); null uses the embedded default model.</summary>
    public string? ModelDirectory { get; init; }

    /// <summary>Training examples (<c>--train</c>); null for the builders' defaults (Pets 1970, UltraFeedback-P all).</summary>
    public int? TrainExamples { get; init; }

    /// <summary>Test examples (<c>--test</c>); null for the builders' defaults (Pets 194, UltraFeedback-P 2000).</summary>
    public int? TestExamples { get; init; }

    /// <summary>Pets-OOD test examples (<c>--ood</c>); null for the default (200).</summary>
    public int? OodExamples { get; init; }

    /// <summary>The UltraFeedback JSONL file (<c>--ultrafeedback</c>; the rows of <c>openbmb/UltraFeedback</c>), needed by <c>uf-p-2</c> and <c>uf-p-4</c>.</summary>
    public string? UltraFeedbackPath { get; init; }

    /// <summary>
    /// The folder holding PRISM's <c>survey.jsonl</c> and <c>conversations.jsonl</c> (<c>--prism</c>; Hugging Face
    /// <c>HannahRoseKirk/prism-alignment</c>), needed by <c>prism</c> and <c>prism-profile</c>.
    /// </summary>
    public string? PrismDirectory { get; init; }

    /// <summary>The data sets whose models are trained on their own training split: <c>pets</c> (for pets and pets-ood), <c>uf-p-2</c>, <c>uf-p-4</c>, <c>prism</c>, <c>prism-profile</c>.</summary>
    /// <param name="dataset">A data set.</param>
    /// <returns>The training source.</returns>
    public static string SourceOf(string dataset) => dataset is "pets-ood" ? "pets" : dataset;

    private static readonly string[] PrismFiles = ["survey.jsonl", "conversations.jsonl"];

    /// <summary>The data sets the harness knows, in the paper's column order.</summary>
    public static IReadOnlyList<string> Known { get; } = ["pets", "pets-ood", "uf-p-2", "uf-p-4", "prism", "prism-profile"];

    /// <summary>Clamp VPL's μ to [−1, 1] (<c>--vpl-clamp-mean</c>; default true, the anchor's; see docs/baselines.md).</summary>
    public bool VplClampMean { get; init; } = true;

    /// <summary>The device (<c>--device</c>; default cpu).</summary>
    public string Device { get; init; } = "cpu";

    /// <summary>Checks the options.</summary>
    /// <returns>One message per problem, naming the flag.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        var known = Plus.Training.PreferenceMethods.All;
        foreach (var m in Methods.Where(m => !known.Contains(m, StringComparer.Ordinal)))
            errors.Add($"--methods: '{m}' is not a method; known: {string.Join(",", known)}.");
        foreach (var d in Datasets.Where(d => !Known.Contains(d, StringComparer.Ordinal)))
            errors.Add($"--datasets: '{d}' is not a data set; known: {string.Join(",", Known)}.");
        if (Datasets.Any(d => d is "uf-p-2" or "uf-p-4"))
        {
            if (UltraFeedbackPath is null) errors.Add("--ultrafeedback FILE is needed for uf-p-2 and uf-p-4 (the UltraFeedback rows as JSONL).");
            else if (!File.Exists(UltraFeedbackPath)) errors.Add($"--ultrafeedback: '{UltraFeedbackPath}' does not exist.");
        }
        if (Datasets.Any(d => d is "prism" or "prism-profile"))
        {
            if (PrismDirectory is null) errors.Add("--prism DIR is needed for prism and prism-profile (the folder with PRISM's survey.jsonl and conversations.jsonl).");
            else
            {
                foreach (var file in PrismFiles.Where(f => !File.Exists(Path.Combine(PrismDirectory, f))))
                    errors.Add($"--prism: '{Path.Combine(PrismDirectory, file)}' does not exist.");
            }
        }

        if (Methods.Count == 0) errors.Add("--methods: name at least one method.");
        if (Datasets.Count == 0) errors.Add("--datasets: name at least one data set.");
        if (Seeds < 1) errors.Add($"--seeds must be at least 1, found {Seeds}.");
        if (TrainExamples is < 1) errors.Add($"--train must be at least 1, found {TrainExamples}.");
        if (TestExamples is < 1) errors.Add($"--test must be at least 1, found {TestExamples}.");
        if (OodExamples is < 1) errors.Add($"--ood must be at least 1, found {OodExamples}.");
        return errors;
    }
}
