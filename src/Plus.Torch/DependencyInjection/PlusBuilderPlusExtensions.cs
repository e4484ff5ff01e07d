using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plus;
using Plus.Prompts;
using Plus.Torch;
using Plus.Torch.Chat;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Summarization;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the PLUS co-trainer and the TorchSharp summarizer to <c>AddPlus()</c>.</summary>
public static class PlusBuilderPlusExtensions
{
    /// <summary>
    /// Registers two <see cref="IPreferenceTrainer"/>s, <c>PLUS</c> and <c>PLUS-untrained</c> (also as keyed services
    /// under those names), sharing <see cref="PlusTrainerOptions"/> validated at start-up. Each run loads a fresh
    /// summarizer (<see cref="PlusTrainerOptions.SummarizerModelPath"/> or the backend's model) and a fresh reward
    /// model from the backend; the returned <see cref="IPreferenceModel"/> owns both (dispose it to free them).
    /// Needs <c>AddTorchBackend()</c>. Checkpoints and metrics get one sub-folder or file per method.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Configures the shared options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddPlusTrainers(this PlusBuilder builder, Action<PlusTrainerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var services = builder.Services;
        var options = services.AddOptions<PlusTrainerOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlusTrainerOptions>, PlusTrainerOptionsValidator>());
        if (services.Any(d => d.ServiceType == typeof(PlusTrainerMarker))) return builder;
        services.AddSingleton<PlusTrainerMarker>();
        foreach (bool trainSummarizer in new[] { true, false })
        {
            string name = trainSummarizer ? "PLUS" : "PLUS-untrained";
            services.AddKeyedSingleton<IPreferenceTrainer>(name, (sp, _) => new PlusTrainingRun(sp, trainSummarizer));
            services.AddSingleton(sp => sp.GetRequiredKeyedService<IPreferenceTrainer>(name));
        }

        return builder;
    }

    /// <summary>
    /// Registers <see cref="TorchUserSummarizer"/> as <see cref="IUserSummarizer"/> (unless one is registered), over
    /// the backend's model folder (<c>Plus:Torch:ModelPath</c>) or, when none is set, the embedded default model.
    /// The prompts come from the <c>AddPlus()</c> domain; the model is loaded on first use.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">
    /// Returns the sampling options from the defaults (an immutable record), for example
    /// <c>o =&gt; o with { MaxSummaryTokens = 32, Seed = 7 }</c>.
    /// </param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddTorchSummarizer(this PlusBuilder builder, Func<SummarizerOptions, SummarizerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Services.TryAddSingleton<IUserSummarizer>(sp =>
        {
            var backend = sp.GetService<IOptions<TorchBackendOptions>>()?.Value;
            string directory = backend?.ModelPath ?? DefaultModels.ExtractTinyQwen2();
            var device = TorchRuntime.ResolveDevice(backend?.Device ?? "cpu");
            var model = CausalLM.FromPretrained(directory, device);
            var tokenizer = HfTokenizer.Load(backend?.TokenizerPath ?? directory);
            var options = new SummarizerOptions { ModelName = Path.GetFileName(directory.TrimEnd('/', '\\')) };
            if (configure is not null) options = configure(options);
            options.Validate();

            return new TorchUserSummarizer(new TextGenerator(model, tokenizer), sp.GetRequiredService<PromptRenderer>(), options);
        });
        return builder;
    }

    private sealed class PlusTrainerMarker;

    private sealed class PlusTrainerOptionsValidator : IValidateOptions<PlusTrainerOptions>
    {
        public ValidateOptionsResult Validate(string? name, PlusTrainerOptions options)
        {
            try
            {
                options.Validate();
                return ValidateOptionsResult.Success;
            }
            catch (ArgumentException ex)
            {
                return ValidateOptionsResult.Fail(ex.Message);
            }
        }
    }

    /// <summary>One registered PLUS method: loads fresh models for each run and hands them to the returned model.</summary>
    private sealed class PlusTrainingRun(IServiceProvider services, bool trainSummarizer) : IPreferenceTrainer
    {
        public string Name => trainSummarizer ? "PLUS" : "PLUS-untrained";

        public async Task<IPreferenceModel> TrainAsync(
            IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null,
            IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var shared = services.GetRequiredService<IOptions<PlusTrainerOptions>>().Value;
            var factory = services.GetService<ConditionedRewardModelFactory>()
                ?? throw new InvalidOperationException("The PLUS trainers need the TorchSharp backend: call AddPlus().AddTorchBackend(...) as well.");
            var options = shared.Clone();
            options.TrainSummarizer = trainSummarizer;
            if (options.CheckpointDirectory is { } dir) options.CheckpointDirectory = Path.Combine(dir, Name);
            if (options.MetricsPath is { } metrics)
                options.MetricsPath = Path.Combine(Path.GetDirectoryName(metrics) ?? string.Empty, $"{Path.GetFileNameWithoutExtension(metrics)}.{Name}{Path.GetExtension(metrics)}");
            string summarizerPath = options.SummarizerModelPath ?? factory.Options.ModelPath!;
            var device = TorchRuntime.ResolveDevice(factory.Options.Device);
            var summarizer = CausalLM.FromPretrained(summarizerPath, device);
            var rewardModel = factory.Create();
            var trainer = new PlusTrainer(summarizer, HfTokenizer.Load(summarizerPath), rewardModel, options, services.GetService<ILogger<PlusTrainer>>());
            try
            {
                var model = await trainer.TrainAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);
                return new OwningPreferenceModel(model, trainer, rewardModel, summarizer);
            }
            catch
            {
                trainer.Dispose();
                rewardModel.Dispose();
                summarizer.Dispose();
                throw;
            }
        }
    }

    private sealed class OwningPreferenceModel(IPreferenceModel inner, params IDisposable[] owned) : IPreferenceModel, IDisposable
    {
        public string Name => inner.Name;

        public Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default) =>
            inner.PredictChosenProbabilitiesAsync(examples, cancellationToken);

        public void Dispose()
        {
            foreach (var d in owned) d.Dispose();
        }
    }
}
