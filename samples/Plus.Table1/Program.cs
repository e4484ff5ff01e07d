// The paper's Table 1 on the embedded default model: trains every method per seed on Pets, evaluates it on Pets and
// Pets-OOD (and UF-P-2 / UF-P-4 from --ultrafeedback FILE, PRISM / PRISM (+Profile) from --prism DIR), and writes DIR/table.md (the paper's shape, controversial accuracy beside the paper's), DIR/table.json
// (cells and summary; schema in docs/results.md) and DIR/table.png (bar chart with error bars); each trained model is
// saved under DIR/models/. Finished cells are reused on a rerun.
//
//   dotnet run --project samples/Plus.Table1 -c Release -- --methods BTL,DPL,VPL,ICL,PLUS-untrained,PLUS,Oracle \
//       --datasets pets,pets-ood --seeds 3 --out DIR [--ultrafeedback FILE (for uf-p-2,uf-p-4)] [--prism DIR (for prism,prism-profile)] [--model-dir DIR --train N --test N --ood N --vpl-clamp-mean false --threads N --device cpu]
using System.Globalization;
using Plus.Table1;

string? Arg(string name) => Array.IndexOf(args, name) is int i and >= 0 && i + 1 < args.Length ? args[i + 1] : null;
IReadOnlyList<string>? List(string name) => Arg(name)?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
int? Int(string name) => Arg(name) is { } v ? int.Parse(v, CultureInfo.InvariantCulture) : null;

if (Arg("--out") is not { } output)
{
    Console.Error.WriteLine("Usage: --out DIR [--methods BTL,DPL,...] [--datasets pets,pets-ood] [--seeds 3] [--model-dir DIR] [--train N --test N --ood N] [--ultrafeedback FILE] [--prism DIR] [--vpl-clamp-mean true|false] [--threads N] [--device cpu]");
    return 2;
}

if (Int("--threads") is { } threads) TorchSharp.torch.set_num_threads(threads);
var defaults = new Table1Options { OutputDirectory = output };
var options = defaults with
{
    Methods = List("--methods") ?? defaults.Methods,
    Datasets = List("--datasets") ?? defaults.Datasets,
    Seeds = Int("--seeds") ?? defaults.Seeds,
    ModelDirectory = Arg("--model-dir"),
    TrainExamples = Int("--train"),
    TestExamples = Int("--test"),
    OodExamples = Int("--ood"),
    VplClampMean = Arg("--vpl-clamp-mean") is not { } clamp || bool.Parse(clamp),
    UltraFeedbackPath = Arg("--ultrafeedback"),
    PrismDirectory = Arg("--prism"),
    Device = Arg("--device") ?? defaults.Device,
};
using var cts = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    cts.Cancel();
    Console.WriteLine("Cancelling: the running training writes a checkpoint; finished cells are kept in table.json.");
};

try
{
    await new Table1Harness(options, Console.Out).RunAsync(cts.Token);
    return 0;
}
catch (ArgumentException ex)
{
    Console.Error.WriteLine(ex.Message);
    return 2;
}
