using Microsoft.Extensions.DependencyInjection;
using Plus.Prompts;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Cli.Commands;

/// <summary>What <c>plus train</c> passes to a method's trainer (the flags, resolved).</summary>
internal sealed record TrainSettings
{
    public required string Method { get; init; }
    public required string Domain { get; init; }
    public required int Seed { get; init; }
    public required int Epochs { get; init; }
    public int? BatchSize { get; init; }
    public double? LearningRate { get; init; }
    public string? ModelPath { get; init; }
    public required string Device { get; init; }
    public required string DType { get; init; }

    /// <summary>Steps between checkpoints (0: only at the end and on interruption); null for the method's default (<see cref="TrainableMethods.BradleyTerryCheckpointEvery"/>, <see cref="TrainableMethods.PlusCheckpointEvery"/>).</summary>
    public int? CheckpointEvery { get; init; }

    /// <summary>The checkpoint root; each method's trainer adds its own sub-folder (<c>checkpoints/BTL</c>).</summary>
    public required string CheckpointDirectory { get; init; }

    /// <summary>The metrics file handed to the trainer; it writes <c>metrics.METHOD.jsonl</c> beside it.</summary>
    public required string MetricsPath { get; init; }
}

/// <summary>
/// The methods <c>plus train</c> can train and how each one's trainer is registered (keyed by method name, as the
/// library registers them). Adding a method is one entry in <see cref="Registrations"/>.
/// </summary>
internal static class TrainableMethods
{
    private static readonly (string Name, Action<PlusBuilder, TrainSettings> Register)[] Registrations =
    [
        (PreferenceMethods.Btl, AddBradleyTerry),
        (PreferenceMethods.Dpl, AddDpl),
        (PreferenceMethods.Vpl, AddVpl),
        (PreferenceMethods.Icl, AddBradleyTerry),
        (PreferenceMethods.Oracle, AddBradleyTerry),
        (PreferenceMethods.PlusUntrained, AddPlus),
        (PreferenceMethods.Plus, AddPlus),
    ];

    /// <summary>The checkpoint cadence of the methods on the Bradley-Terry loop (BTL, DPL, VPL, ICL, Oracle) when <c>--checkpoint-every</c> is not given.</summary>
    public const int BradleyTerryCheckpointEvery = 100;

    /// <summary>The checkpoint cadence of PLUS and PLUS-untrained when <c>--checkpoint-every</c> is not given (the library's default).</summary>
    public const int PlusCheckpointEvery = 10;

    /// <summary>The method names, in the paper's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. Registrations.Select(r => r.Name)];

    /// <summary>The canonical spelling of <paramref name="name"/> (any case), or null when the tool cannot train it.</summary>
    public static string? Find(string name) =>
        Names.FirstOrDefault(m => string.Equals(m, name.Trim(), StringComparison.OrdinalIgnoreCase));

    /// <summary>A provider whose keyed <see cref="IPreferenceTrainer"/> <paramref name="settings"/>.Method trains as the flags say; the caller disposes it.</summary>
    public static ServiceProvider BuildServices(TrainSettings settings)
    {
        var services = new ServiceCollection();
        var builder = services
            .AddPlus(o =>
            {
                o.Domain = settings.Domain;
                o.Seed = settings.Seed;
            })
            .AddTorchBackend(o =>
            {
                o.ModelPath = settings.ModelPath;
                o.Device = settings.Device;
                o.DType = settings.DType;
            });
        Registrations.Single(r => r.Name == settings.Method).Register(builder, settings);
        return services.BuildServiceProvider();
    }

    private static void AddBradleyTerry(PlusBuilder builder, TrainSettings s) =>
        builder.AddBradleyTerryTrainers(o => ApplyLoop(o, s));

    // DPL and VPL train on the same loop as BTL (BradleyTerryOptions), so the flags mean the same for them. They are
    // single-method trainers that use their folders as given, so they get the layout the multi-method trainers make
    // themselves: checkpoints/METHOD and checkpoints/metrics.METHOD.jsonl (what TrainCommand resumes and copies).
    private static void AddDpl(PlusBuilder builder, TrainSettings s) =>
        builder.AddDplTrainer(o => ApplyLoop(o.Training, PerMethod(s)));

    private static void AddVpl(PlusBuilder builder, TrainSettings s) =>
        builder.AddVplTrainer(o => ApplyLoop(o.Training, PerMethod(s)));

    private static TrainSettings PerMethod(TrainSettings s) => s with
    {
        CheckpointDirectory = Path.Combine(s.CheckpointDirectory, s.Method),
        MetricsPath = Path.Combine(Path.GetDirectoryName(s.MetricsPath) ?? s.CheckpointDirectory, $"metrics.{s.Method}.jsonl"),
    };

    private static void ApplyLoop(BradleyTerryOptions o, TrainSettings s)
    {
        o.Epochs = s.Epochs;
        if (s.BatchSize is { } batch) o.BatchSize = batch;
        o.LearningRate = s.LearningRate;
        o.Seed = s.Seed;
        o.CheckpointDirectory = s.CheckpointDirectory;
        o.MetricsPath = s.MetricsPath;
        o.CheckpointEvery = s.CheckpointEvery ?? BradleyTerryCheckpointEvery;
        o.Resume = true; // TrainCommand refuses an existing checkpoint folder unless --resume was given.
    }

    private static void AddPlus(PlusBuilder builder, TrainSettings s) =>
        builder.AddPlusTrainers(o =>
        {
            o.Domain = PromptTemplateOptions.ParseDomain(s.Domain);
            o.Epochs = s.Epochs;
            if (s.BatchSize is { } batch)
            {
                o.RolloutBatchSize = batch;
                o.RewardMiniBatchSize = batch;
            }

            if (s.LearningRate is { } lr) o.RewardLearningRate = lr;
            o.Seed = s.Seed;
            o.CheckpointDirectory = s.CheckpointDirectory;
            o.CheckpointEvery = s.CheckpointEvery ?? PlusCheckpointEvery;
            o.MetricsPath = s.MetricsPath;
        });
}
