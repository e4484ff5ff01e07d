using System.CommandLine;
using Plus.Baselines.Persistence;
using Plus.Torch.Persistence;

namespace Plus.Cli.Commands;

/// <summary>
/// The <c>--model DIR</c> of <c>eval</c>, <c>summarize</c> and <c>predict</c>: a saved model folder (one with
/// <c>plus.json</c>) or the <c>--out</c> folder of <c>plus train</c>, whose saved model is <c>DIR/model</c>.
/// </summary>
internal static class ModelFolder
{
    /// <summary>The sub-folder of a train run's <c>--out</c> that holds the saved model.</summary>
    public const string RunModelFolder = "model";

    public static Option<DirectoryInfo> Option()
    {
        var option = new Option<DirectoryInfo>("--model", "-m")
        {
            Description = "A saved model: the --out folder of plus train (its model/ sub-folder is used) or any folder with plus.json.",
            Required = true,
            HelpName = "DIR",
        };
        option.AcceptExistingOnly();
        return option;
    }

    /// <summary>The folder that holds <c>plus.json</c>: <paramref name="folder"/> itself or its <c>model/</c>.</summary>
    /// <exception cref="InvalidDataException">Neither holds a manifest.</exception>
    public static string Resolve(DirectoryInfo folder)
    {
        var root = folder.FullName;
        if (File.Exists(Path.Combine(root, TrainedModelManifest.FileName))) return root;
        var run = Path.Combine(root, RunModelFolder);
        if (File.Exists(Path.Combine(run, TrainedModelManifest.FileName))) return run;
        throw new InvalidDataException(
            $"'{folder}' is not a saved model: neither it nor its {RunModelFolder}/ sub-folder has {TrainedModelManifest.FileName} " +
            "(pass the --out folder of a finished plus train, or a folder written by ITrainedPreferenceModel.SaveAsync).");
    }

    /// <summary>
    /// Opens the model whatever method saved it (<see cref="TrainedModels.Load"/> dispatches on the manifest's
    /// reward-model format: BTL/ICL/Oracle/PLUS, DPL, VPL), on the CPU unless <paramref name="device"/> says otherwise;
    /// the caller disposes it.
    /// </summary>
    public static ITrainedPreferenceModel Load(DirectoryInfo folder, string device, string dtype) =>
        TrainedModels.Load(Resolve(folder), new TrainedModelLoadOptions { Device = device, DType = dtype });

    /// <summary>The summary of each distinct context, as evaluation writes them (only the summarizing methods' models, which <see cref="TrainedModel"/> opens).</summary>
    /// <exception cref="InvalidOperationException">The model has no summarizer.</exception>
    public static Task<IReadOnlyDictionary<UserContext, UserSummary>> SummarizeAsync(ITrainedPreferenceModel model, IEnumerable<UserContext> contexts, CancellationToken cancellationToken) =>
        model is TrainedModel trained
            ? trained.SummarizeAsync(contexts, cancellationToken)
            : throw new InvalidOperationException($"The {model.Name} model has no summarizer (only PLUS and PLUS-untrained write summaries).");
}
