using System.Text.Json.Nodes;
using Plus.Baselines.Tests.Fixtures;
using Plus.Table1;

namespace Plus.Baselines.Tests.Harness;

/// <summary>The Table-1 harness end to end on the tiny fixture backbone and a handful of Pets pairs.</summary>
public class Table1HarnessTests
{
    private static Table1Options Tiny(string output) => new()
    {
        Methods = ["ICL", "BTL"],
        Datasets = ["pets", "pets-ood"],
        Seeds = 1,
        OutputDirectory = output,
        ModelDirectory = TinyModels.ModelDir,
        TrainExamples = 8,
        TestExamples = 4,
        OodExamples = 4,
    };

    [Fact]
    public async Task It_writes_the_table_files_saves_each_model_and_reuses_finished_cells_on_a_rerun()
    {
        using var dir = new TinyModels.TempDir();
        var log = new StringWriter();
        var cells = await new Table1Harness(Tiny(dir.Path), log).RunAsync();

        Assert.Equal(4, cells.Count);
        Assert.All(cells, c => Assert.InRange(c.ControversialAccuracy!.Value, 0, 1));
        Assert.True(File.Exists(Path.Combine(dir.Path, "models", "BTL-pets-seed0", "plus.json")));
        Assert.True(File.Exists(Path.Combine(dir.Path, "models", "ICL-pets-seed0", "plus.json")));
        Assert.Contains("[4/4] BTL pets-ood seed 0", log.ToString(), StringComparison.Ordinal);
        Assert.Contains("ETA", log.ToString(), StringComparison.Ordinal);

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Path, Table1Report.JsonFileName)))!;
        var first = json["cells"]!.AsArray()[0]!;
        Assert.Equal("BTL", first["method"]!.GetValue<string>()); // the paper's row order
        foreach (var key in new[] { "dataset", "seed", "accuracy", "controversial_accuracy", "seconds" }) Assert.NotNull(first[key]);
        var btlPets = json["summary"]!["BTL"]!["pets"]!;
        Assert.Equal(1, btlPets["n"]!.GetValue<int>());
        Assert.Equal(cells.Single(c => c.Method == "BTL" && c.Dataset == "pets").ControversialAccuracy!.Value, btlPets["mean"]!.GetValue<double>(), 6);

        string markdown = await File.ReadAllTextAsync(Path.Combine(dir.Path, Table1Report.MarkdownFileName));
        Assert.Contains("| Method | Pets (ours) | Pets (paper) | Pets (OOD) (ours) | Pets (OOD) (paper) |", markdown, StringComparison.Ordinal);
        Assert.Contains("| 44.1 ± 2.8 |", markdown, StringComparison.Ordinal); // BTL's paper value beside ours
        Assert.True(markdown.IndexOf("| BTL |", StringComparison.Ordinal) < markdown.IndexOf("| ICL |", StringComparison.Ordinal));

        var png = await File.ReadAllBytesAsync(Path.Combine(dir.Path, Table1Report.PngFileName));
        Assert.True(png.Length > 2000, $"the PNG has only {png.Length} bytes");
        Assert.Equal(new byte[] { 0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A }, png[..8]);

        var rerunLog = new StringWriter();
        var again = await new Table1Harness(Tiny(dir.Path), rerunLog).RunAsync();
        Assert.Equal(cells.OrderBy(c => c.Method).ThenBy(c => c.Dataset), again.OrderBy(c => c.Method).ThenBy(c => c.Dataset));
        Assert.Contains("BTL pets seed 0: reused", rerunLog.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("training on", rerunLog.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_saved_model_whose_cells_are_missing_is_reopened_and_only_evaluated()
    {
        using var dir = new TinyModels.TempDir();
        var options = Tiny(dir.Path) with { Methods = ["BTL"], Datasets = ["pets"] };
        var first = await new Table1Harness(options, TextWriter.Null).RunAsync();
        var log = new StringWriter();
        var second = await new Table1Harness(options with { Datasets = ["pets", "pets-ood"] }, log).RunAsync();
        Assert.Contains("BTL pets seed 0: reopened", log.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("training on", log.ToString(), StringComparison.Ordinal);
        Assert.Equal(first.Single().Accuracy, second.Single(c => c.Dataset == "pets").Accuracy);
        Assert.Contains(second, c => c.Dataset == "pets-ood");
    }

    [Fact]
    public async Task UF_P_2_trains_its_own_model_from_the_UltraFeedback_file()
    {
        using var dir = new TinyModels.TempDir();
        string fixture = Path.Combine(AppContext.BaseDirectory, "fixtures", "data", "ultrafeedback-mini.jsonl");
        var cells = await new Table1Harness(Tiny(dir.Path) with { Methods = ["BTL"], Datasets = ["uf-p-2"], UltraFeedbackPath = fixture }, TextWriter.Null).RunAsync();
        var cell = Assert.Single(cells);
        Assert.Equal("uf-p-2", cell.Dataset);
        Assert.InRange(cell.ControversialAccuracy!.Value, 0, 1);
        Assert.True(File.Exists(Path.Combine(dir.Path, "models", "BTL-uf-p-2-seed0", "plus.json")));
        Assert.Contains("| UF-P-2 (ours) | UF-P-2 (paper) |", await File.ReadAllTextAsync(Path.Combine(dir.Path, Table1Report.MarkdownFileName)), StringComparison.Ordinal);
        var ex = Assert.Throws<ArgumentException>(() => new Table1Harness(Tiny(dir.Path) with { Datasets = ["uf-p-4"] }, TextWriter.Null));
        Assert.Contains("--ultrafeedback FILE is needed", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PRISM_and_PRISM_with_profiles_train_their_own_models_and_report_accuracy_on_all_held_out_pairs()
    {
        using var dir = new TinyModels.TempDir();
        string prism = Path.Combine(AppContext.BaseDirectory, "fixtures", "data", "prism-mini");
        var log = new StringWriter();
        var cells = await new Table1Harness(
            Tiny(dir.Path) with { Methods = ["BTL", "ICL"], Datasets = ["prism", "prism-profile"], PrismDirectory = prism, TrainExamples = null, TestExamples = null },
            log).RunAsync();

        Assert.Equal(4, cells.Count);
        Assert.All(cells, c =>
        {
            Assert.Null(c.ControversialAccuracy); // PRISM has no controversial subset
            Assert.Equal(c.Accuracy, c.Headline);
            Assert.InRange(c.Accuracy, 0, 1);
        });
        foreach (var model in new[] { "BTL-prism-seed0", "ICL-prism-seed0", "BTL-prism-profile-seed0", "ICL-prism-profile-seed0" })
            Assert.True(File.Exists(Path.Combine(dir.Path, "models", model, "plus.json")), model);
        Assert.Contains("no controversial subset", log.ToString(), StringComparison.Ordinal);

        // prism-profile trains on other data (the same pairs, contexts with the profile): its data fingerprint differs.
        async Task<string> DataSha(string model) =>
            JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Path, "models", model, "plus.json")))!["training"]!["data_sha256"]!.GetValue<string>();
        Assert.NotEqual(await DataSha("ICL-prism-seed0"), await DataSha("ICL-prism-profile-seed0"));
        Assert.Equal(await DataSha("ICL-prism-seed0"), await DataSha("BTL-prism-seed0"));

        var json = JsonNode.Parse(await File.ReadAllTextAsync(Path.Combine(dir.Path, Table1Report.JsonFileName)))!;
        var prismCell = json["cells"]!.AsArray().First(c => c!["dataset"]!.GetValue<string>() == "prism")!;
        Assert.Null(prismCell["controversial_accuracy"]);
        Assert.Equal(cells.Single(c => c.Method == "BTL" && c.Dataset == "prism").Accuracy, json["summary"]!["BTL"]!["prism"]!["mean"]!.GetValue<double>(), 6);
        string markdown = await File.ReadAllTextAsync(Path.Combine(dir.Path, Table1Report.MarkdownFileName));
        Assert.Contains("| PRISM (ours) | PRISM (paper) | PRISM (+Profile) (ours) | PRISM (+Profile) (paper) |", markdown, StringComparison.Ordinal);
        Assert.Contains("PRISM: all held-out pairs", markdown, StringComparison.Ordinal);
        Assert.Contains("| 59.8 |", markdown, StringComparison.Ordinal); // BTL's paper PRISM value
        Assert.Contains("| 60.6 |", markdown, StringComparison.Ordinal); // ICL's paper PRISM (+Profile) value

        // A rerun reads the null back and reuses every cell.
        var again = await new Table1Harness(
            Tiny(dir.Path) with { Methods = ["BTL", "ICL"], Datasets = ["prism", "prism-profile"], PrismDirectory = prism, TrainExamples = null, TestExamples = null },
            TextWriter.Null).RunAsync();
        Assert.Equal(cells.OrderBy(c => c.Method).ThenBy(c => c.Dataset), again.OrderBy(c => c.Method).ThenBy(c => c.Dataset));
    }

    [Fact]
    public void PRISM_needs_a_folder_with_both_files()
    {
        var missing = Assert.Throws<ArgumentException>(() => new Table1Harness(new Table1Options { OutputDirectory = "x", Datasets = ["prism"] }, TextWriter.Null));
        Assert.Contains("--prism DIR is needed", missing.Message, StringComparison.Ordinal);
        using var dir = new TinyModels.TempDir();
        File.WriteAllText(Path.Combine(dir.Path, "survey.jsonl"), "");
        var partial = Assert.Throws<ArgumentException>(() => new Table1Harness(new Table1Options { OutputDirectory = "x", Datasets = ["prism-profile"], PrismDirectory = dir.Path }, TextWriter.Null));
        Assert.Contains("conversations.jsonl' does not exist", partial.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("survey.jsonl' does not exist", partial.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_methods_and_data_sets_are_refused_naming_the_flag()
    {
        var ex = Assert.Throws<ArgumentException>(() => new Table1Harness(new Table1Options { OutputDirectory = "x", Methods = ["GPT"], Datasets = ["hh-rlhf"], Seeds = 0 }, TextWriter.Null));
        Assert.Contains("--methods: 'GPT' is not a method", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--datasets: 'hh-rlhf' is not a data set; known: pets,pets-ood,uf-p-2,uf-p-4,prism,prism-profile", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--seeds must be at least 1", ex.Message, StringComparison.Ordinal);
    }
}
