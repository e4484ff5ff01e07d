using System.CommandLine;
using System.Globalization;
using System.Runtime.InteropServices;
using Microsoft.Extensions.DependencyInjection;
using Plus.Terminal.Progress;
using Plus.Data;
using Plus.Training;

namespace Plus.Cli.Commands;

/// <summary>
/// <c>plus train</c>: trains one method with its keyed <see cref="IPreferenceTrainer"/> and saves the trained model.
/// The run folder <c>--out DIR</c> holds <c>checkpoints/</c> (so that <c>--resume</c> continues), <c>metrics.jsonl</c>
/// and the saved model in <c>model/</c>.
/// </summary>
internal static class TrainCommand
{
    /// <summary>The exit code of an interrupted run (128 + SIGINT, as shells report Ctrl+C).</summary>
    public const int InterruptedExitCode = 130;

    public const string CheckpointsFolder = "checkpoints";
    public const string MetricsFile = "metrics.jsonl";

    public static Command Create()
    {
        var method = new Option<string>("--method")
        {
            Description = $"The method to train: {string.Join(", ", TrainableMethods.Names)} (any case).",
            Required = true,
            HelpName = "NAME",
        };
        CliOptions.Validate(method, value => TrainableMethods.Find(value) is not null
            ? null
            : $"Option '--method' must be one of {string.Join(", ", TrainableMethods.Names)}, found '{value}'.");
        var data = CliOptions.ExistingFile("--data", "Training examples (Plus preference JSONL, as plus data writes).");
        data.Aliases.Add("-d");
        var eval = new Option<FileInfo>("--eval") { Description = "Held-out examples, evaluated after the last step (eval_accuracy in the metrics).", HelpName = "FILE" };
        eval.AcceptExistingOnly();
        var model = new Option<string>("--model")
        {
            Description = "The base model: a Hugging Face folder (config.json, safetensors, tokenizer.json) or 'default', the embedded plus-tiny-qwen2.",
            DefaultValueFactory = _ => "default",
            HelpName = "DIR|default",
        };
        CliOptions.Validate(model, value => value == "default" || Directory.Exists(value) ? null : $"Directory does not exist: '{value}'.");
        var domain = new Option<string>("--domain") { Description = "The prompt domain of the summaries and the reward model's input.", DefaultValueFactory = _ => "generic" };
        domain.AcceptOnlyFromAmong("pets", "ultrafeedback", "prism", "generic");
        var seed = new Option<int>("--seed") { Description = "Seeds data order, initialization and sampling.", DefaultValueFactory = _ => 42, HelpName = "N" };
        CliOptions.Validate(seed, value => value < 0 ? $"Option '--seed' must be at least 0, found {value}." : null);
        var epochs = CliOptions.Count("--epochs", "Passes over the training examples.", 1, 1);
        var batchSize = CliOptions.OptionalCount("--batch-size", "Pairs per optimizer step (BTL, ICL, Oracle; default 32), or examples per rollout and reward-model step (PLUS, PLUS-untrained; default 32).", 1);
        var learningRate = new Option<double?>("--lr") { Description = "Peak learning rate of the reward model (default: 5e-4 for models under 50M parameters, else the paper's 9e-6).", HelpName = "X" };
        CliOptions.Validate(learningRate, value => value is { } lr && !(lr > 0 && double.IsFinite(lr)) ? FormattableString.Invariant($"Option '--lr' must be a positive number, found {lr}.") : null);
        var checkpointEvery = CliOptions.OptionalCount(
            "--checkpoint-every",
            FormattableString.Invariant($"Steps between checkpoints, 0 for only at the end and on Ctrl+C (default {TrainableMethods.BradleyTerryCheckpointEvery} for BTL, DPL, VPL, ICL and Oracle, {TrainableMethods.PlusCheckpointEvery} for PLUS and PLUS-untrained)."),
            0);
        var device = CliOptions.Device("cpu");
        var dtype = CliOptions.DType();
        var output = CliOptions.OutDirectory("The run folder: checkpoints/, metrics.jsonl and the saved model in model/ (a new or empty folder unless --resume).");
        var resume = new Option<bool>("--resume") { Description = "Continue the run in --out from its latest checkpoint (same data, method and options)." };

        var command = new Command("train", "Train a method on preference JSONL into a saved model folder, with checkpoints, metrics and progress; Ctrl+C checkpoints and says how to resume.")
        {
            method, data, eval, model, domain, seed, epochs, batchSize, learningRate, checkpointEvery, device, dtype, output, resume,
        };
        command.SetAction((parse, ct) => CliError.RunAsync(parse, async (stdout, stderr, token) =>
        {
            var runFolder = parse.GetValue(output)!.FullName;
            var name = TrainableMethods.Find(parse.GetValue(method)!)!;
            var checkpoints = Path.Combine(runFolder, CheckpointsFolder);
            var methodCheckpoints = Path.Combine(checkpoints, name);
            var resuming = parse.GetValue(resume);
            CheckRunFolder(runFolder, checkpoints, name, resuming);
            if (resuming && !Directory.Exists(methodCheckpoints))
            {
                await stdout.WriteLineAsync($"No checkpoint of {name} in {checkpoints} yet; starting from step 0.").ConfigureAwait(false);
            }

            var train = await PreferenceJsonl.ReadAllAsync(parse.GetValue(data)!.FullName, token).ConfigureAwait(false);
            if (train.Count == 0) throw new InvalidDataException($"{parse.GetValue(data)} holds no examples to train on.");
            var evalFile = parse.GetValue(eval);
            var evalExamples = evalFile is null ? null : await PreferenceJsonl.ReadAllAsync(evalFile.FullName, token).ConfigureAwait(false);
            var baseModel = parse.GetValue(model)!;
            var settings = new TrainSettings
            {
                Method = name,
                Domain = parse.GetValue(domain)!,
                Seed = parse.GetValue(seed),
                Epochs = parse.GetValue(epochs),
                BatchSize = parse.GetValue(batchSize),
                LearningRate = parse.GetValue(learningRate),
                CheckpointEvery = parse.GetValue(checkpointEvery),
                ModelPath = baseModel == "default" ? null : Path.GetFullPath(baseModel),
                Device = parse.GetValue(device)!,
                DType = parse.GetValue(dtype)!,
                CheckpointDirectory = checkpoints,
                MetricsPath = Path.Combine(checkpoints, MetricsFile),
            };

            Directory.CreateDirectory(runFolder);
            using var interrupt = new Interrupt(token);
            var progress = new LastReport();
            using var services = TrainableMethods.BuildServices(settings);
            var trainer = services.GetRequiredKeyedService<IPreferenceTrainer>(name);
            var liveMetrics = Path.Combine(checkpoints, $"metrics.{name}.jsonl");
            ITrainedPreferenceModel trained;
            try
            {
                trained = await TrainingProgressDisplay.RunAsync(
                    (sink, ct2) => trainer.TrainAsync(train, evalExamples, progress.Wrap(sink), ct2),
                    new TrainingProgressDisplayOptions { PlainOutput = stdout },
                    interrupt.Token).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (interrupt.Requested)
            {
                CopyMetrics(liveMetrics, runFolder);
                var step = progress.Last is { } last ? string.Create(CultureInfo.InvariantCulture, $" after step {last.Step}/{last.TotalSteps}") : string.Empty;
                await stderr.WriteLineAsync($"Interrupted{step}: the last completed step is checkpointed in {methodCheckpoints}.").ConfigureAwait(false);
                await stderr.WriteLineAsync($"To continue: plus {ResumeArguments(parse)}").ConfigureAwait(false);
                return InterruptedExitCode;
            }
            catch (InvalidOperationException ex) when (resuming && Directory.Exists(methodCheckpoints))
            {
                throw new InvalidOperationException($"{ex.Message} (plus train: pass the same --data, --method and options as the run in {runFolder}, or choose another --out.)", ex);
            }

            using (trained)
            {
                var modelFolder = Path.Combine(runFolder, ModelFolder.RunModelFolder);
                await trained.SaveAsync(modelFolder, CancellationToken.None).ConfigureAwait(false);
                CopyMetrics(liveMetrics, runFolder);
                var m = trained.Metadata;
                var final = string.Join(" ", m.FinalMetrics.Where(kv => kv.Key.StartsWith("eval_", StringComparison.Ordinal) || kv.Key is "loss" or "accuracy" or "rm_loss" or "rm_accuracy")
                    .Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value:R}")));
                await stdout.WriteLineAsync($"Trained {m.Method}: {m.Steps} steps on {m.TrainExamples} examples{(final.Length > 0 ? ": " + final : string.Empty)}").ConfigureAwait(false);
                await stdout.WriteLineAsync($"Saved the model to {modelFolder}; metrics in {Path.Combine(runFolder, MetricsFile)}").ConfigureAwait(false);
            }

            return 0;
        }, ct));
        return command;
    }

    /// <summary>Refuses to reuse a run folder silently: without --resume it must be new or empty.</summary>
    private static void CheckRunFolder(string runFolder, string checkpoints, string method, bool resuming)
    {
        if (!resuming)
        {
            if (Directory.Exists(checkpoints))
            {
                throw new InvalidOperationException(
                    $"'{checkpoints}' already holds checkpoints of a run: pass --resume to continue it, or choose another --out.");
            }

            if (Directory.Exists(runFolder) && Directory.EnumerateFileSystemEntries(runFolder).Any())
            {
                throw new InvalidOperationException($"'{runFolder}' is not empty: choose a new or empty folder for --out.");
            }

            return;
        }

        if (!Directory.Exists(checkpoints)) return;
        var others = Directory.EnumerateDirectories(checkpoints).Select(Path.GetFileName).Where(n => n != method).ToList();
        if (others.Count > 0 && !Directory.Exists(Path.Combine(checkpoints, method)))
        {
            throw new InvalidOperationException(
                $"'{checkpoints}' holds a run of {string.Join(", ", others)}, not {method}: resume it with --method {others[0]}, or choose another --out.");
        }
    }

    /// <summary>The trainer writes <c>checkpoints/metrics.METHOD.jsonl</c> (appended on resume); the run folder gets a copy as <c>metrics.jsonl</c>.</summary>
    private static void CopyMetrics(string liveMetrics, string runFolder)
    {
        if (File.Exists(liveMetrics)) File.Copy(liveMetrics, Path.Combine(runFolder, MetricsFile), overwrite: true);
    }

    /// <summary>The command line that continues this run: the same tokens, plus <c>--resume</c> when absent.</summary>
    private static string ResumeArguments(ParseResult parse)
    {
        var tokens = parse.Tokens.Select(t => t.Value).ToList();
        if (!tokens.Contains("--resume")) tokens.Add("--resume");
        return string.Join(' ', tokens.Select(Quote));
    }

    private static string Quote(string value) =>
        value.Length > 0 && value.All(c => char.IsLetterOrDigit(c) || "-_./:=,+@%".Contains(c)) ? value : $"'{value.Replace("'", "'\\''", StringComparison.Ordinal)}'";

    /// <summary>Keeps the latest step report, to say where an interrupted run stopped.</summary>
    private sealed class LastReport
    {
        public TrainingProgress? Last { get; private set; }

        public IProgress<TrainingProgress> Wrap(IProgress<TrainingProgress> inner) => new Sink(this, inner);

        private sealed class Sink(LastReport owner, IProgress<TrainingProgress> inner) : IProgress<TrainingProgress>
        {
            public void Report(TrainingProgress value)
            {
                if (value.Message is null) owner.Last = value;
                inner.Report(value);
            }
        }
    }

    /// <summary>
    /// Ctrl+C (SIGINT) and SIGTERM cancel the training token instead of ending the process, so that the loop writes its
    /// checkpoint; a second Ctrl+C ends the process at once.
    /// </summary>
    private sealed class Interrupt : IDisposable
    {
        private readonly CancellationTokenSource _source;
        private readonly PosixSignalRegistration? _sigterm;

        public Interrupt(CancellationToken outer)
        {
            _source = CancellationTokenSource.CreateLinkedTokenSource(outer);
            Console.CancelKeyPress += OnCancelKeyPress;
            if (!OperatingSystem.IsWindows())
            {
                _sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, context =>
                {
                    context.Cancel = true;
                    Request();
                });
            }
        }

        public CancellationToken Token => _source.Token;

        public bool Requested { get; private set; }

        public void Dispose()
        {
            Console.CancelKeyPress -= OnCancelKeyPress;
            _sigterm?.Dispose();
            _source.Dispose();
        }

        private void OnCancelKeyPress(object? sender, ConsoleCancelEventArgs e)
        {
            if (Requested) return; // the second Ctrl+C: let the process end
            e.Cancel = true;
            Request();
        }

        private void Request()
        {
            Requested = true;
            Console.Error.WriteLine("Stopping: writing a checkpoint of the last completed step (Ctrl+C again to quit at once)...");
            _source.Cancel();
        }
    }
}
