using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Plus;
using Plus.Prompts;
using Plus.Torch;
using Plus.Torch.Chat;
using Plus.Torch.Modeling;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Runtime;
using Plus.Torch.Summarization;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

// Extension methods for the DI builder live in the DI namespace, as Microsoft.Extensions.* do.
namespace Microsoft.Extensions.DependencyInjection;

/// <summary>Adds the PLUS co-trainer, the TorchSharp summarizer and trained models to <c>AddPlus()</c>.</summary>
public static class PlusBuilderPlusExtensions
{
    /// <summary>
    /// Registers two <see cref="IPreferenceTrainer"/>s, <c>PLUS</c> and <c>PLUS-untrained</c> (also as keyed services
    /// under those names), sharing <see cref="PlusTrainerOptions"/> validated at start-up. Each run loads a fresh
    /// summarizer (<see cref="PlusTrainerOptions.SummarizerModelPath"/> or the backend's model) and a fresh reward
    /// model from the backend, on the backend's device and dtype; the <c>AddPlus()</c> domain, prompt templates, seed
    /// (when <see cref="PlusTrainerOptions.Seed"/> is unset) and summary word cap apply. The returned
    /// <see cref="TrainedModel"/> owns both models (dispose it). Needs <c>AddTorchBackend()</c>. Checkpoints and metrics
    /// get one sub-folder or file per method.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configure">Configures the shared options.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddPlusTrainers(this PlusBuilder builder, Action<PlusTrainerOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        var options = builder.Services.AddOptions<PlusTrainerOptions>().ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddPlusTrainerServices(builder);
    }

    /// <summary>Registers the PLUS trainers with options bound from <paramref name="configuration"/> (the <c>Plus:Training</c> section).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddPlusTrainers(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<PlusTrainerOptions>().Bind(configuration).ValidateOnStart();
        return AddPlusTrainerServices(builder);
    }

    /// <summary>
    /// Registers <see cref="TorchUserSummarizer"/> as <see cref="IUserSummarizer"/> (unless one is registered): the
    /// <em>untrained</em> summarizer of the backend's model folder (or, without a backend, the embedded default model),
    /// for zero-shot use; a trained PLUS summarizer comes from <see cref="AddPlusModel(PlusBuilder, string, Action{TrainedModelLoadOptions}?)"/>.
    /// The prompts come from the <c>AddPlus()</c> domain, the word cap from <c>Plus:MaxSummaryWords</c>, the seed from
    /// <c>Plus:Seed</c> unless set, the device and dtype from the backend; the model is loaded on first use.
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
        builder.Services.TryAddSingleton<IUserSummarizer>(sp => CreateSummarizer(sp, configure));
        return builder;
    }

    /// <summary>Registers the untrained Torch summarizer with sampling options bound from <paramref name="configuration"/> (for example <c>Plus:Summarizer</c>).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The section holding <see cref="SummarizerOptions"/> values.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddTorchSummarizer(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        var bound = configuration.Get<SummarizerOptions>() ?? new SummarizerOptions();
        return builder.AddTorchSummarizer(o => bound with { ModelName = bound.ModelName ?? o.ModelName });
    }

    /// <summary>
    /// Serves a trained model saved with <see cref="ITrainedPreferenceModel.SaveAsync"/>: registers
    /// <see cref="TrainedModel"/> (also as <see cref="ITrainedPreferenceModel"/>), and its <see cref="IRewardModel"/>,
    /// <see cref="IUserSummarizer"/> (methods with a summarizer), <see cref="IPreferencePredictor"/> (Algorithm 2) and
    /// the Algorithm 3 personalizer (<c>AddChatClientPersonalizer</c>, which needs an <c>IChatClient</c>). These replace
    /// any earlier registration of the same services, such as the backend's. The model loads on first use, on the
    /// backend's device and dtype unless the options say otherwise; an application that only serves predictions never trains.
    /// </summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="directory">The saved model folder.</param>
    /// <param name="configure">Adjusts the load options (device, dtype, base-model location, sampling overrides).</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddPlusModel(this PlusBuilder builder, string directory, Action<TrainedModelLoadOptions>? configure = null)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var options = builder.Services.AddOptions<TrainedModelLoadOptions>().Configure(o => o.Path = directory).ValidateOnStart();
        if (configure is not null) options.Configure(configure);
        return AddModelServices(builder);
    }

    /// <summary>Serves a trained model with load options bound from <paramref name="configuration"/> (the <c>Plus:Model</c> section, whose <c>Path</c> names the folder).</summary>
    /// <param name="builder">The builder returned by <c>AddPlus</c>.</param>
    /// <param name="configuration">The configuration section.</param>
    /// <returns>The same builder.</returns>
    public static PlusBuilder AddPlusModel(this PlusBuilder builder, IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(builder);
        ArgumentNullException.ThrowIfNull(configuration);
        builder.Services.AddOptions<TrainedModelLoadOptions>().Bind(configuration).ValidateOnStart();
        return AddModelServices(builder);
    }

    private static PlusBuilder AddPlusTrainerServices(PlusBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<PlusTrainerOptions>, OptionsValidator<PlusTrainerOptions>>());
        if (services.Any(d => d.ServiceType == typeof(PlusTrainerMarker))) return builder;
        services.AddSingleton<PlusTrainerMarker>();
        foreach (bool trainSummarizer in new[] { true, false })
        {
            string name = trainSummarizer ? PreferenceMethods.Plus : PreferenceMethods.PlusUntrained;
            services.AddKeyedSingleton<IPreferenceTrainer>(name, (sp, _) => new PlusTrainingRun(sp, trainSummarizer));
            services.AddSingleton(sp => sp.GetRequiredKeyedService<IPreferenceTrainer>(name));
        }

        return builder;
    }

    private static PlusBuilder AddModelServices(PlusBuilder builder)
    {
        var services = builder.Services;
        services.TryAddEnumerable(ServiceDescriptor.Singleton<IValidateOptions<TrainedModelLoadOptions>, OptionsValidator<TrainedModelLoadOptions>>());
        services.TryAddSingleton(sp =>
        {
            var o = sp.GetRequiredService<IOptions<TrainedModelLoadOptions>>().Value;
            var backend = sp.GetService<IOptions<TorchBackendOptions>>()?.Value;
            var effective = new TrainedModelLoadOptions
            {
                Path = o.Path,
                Device = o.Device ?? backend?.Device ?? "cpu",
                DType = o.DType ?? backend?.DType ?? "auto",
                BaseModelPath = o.BaseModelPath,
                VerifyFiles = o.VerifyFiles,
                SummaryTemperature = o.SummaryTemperature,
                MaxSummaryTokens = o.MaxSummaryTokens,
                SummarySeed = o.SummarySeed,
                GreedySummaries = o.GreedySummaries,
            };
            return TrainedModel.Load(o.Path!, effective);
        });
        services.TryAddSingleton<ITrainedPreferenceModel>(sp => sp.GetRequiredService<TrainedModel>());
        services.Replace(ServiceDescriptor.Singleton<IRewardModel>(sp => sp.GetRequiredService<TrainedModel>().RewardModel));
        services.Replace(ServiceDescriptor.Singleton<IPreferencePredictor>(sp => sp.GetRequiredService<TrainedModel>().Predictor));
        services.Replace(ServiceDescriptor.Singleton<IUserSummarizer>(sp =>
        {
            var model = sp.GetRequiredService<TrainedModel>();
            return model.Summarizer ?? throw new InvalidOperationException($"The trained model '{model.Name}' has no summarizer (only PLUS and PLUS-untrained have one); resolve IPreferencePredictor or IRewardModel instead.");
        }));
        builder.AddChatClientPersonalizer();
        return builder;
    }

    private static TorchUserSummarizer CreateSummarizer(IServiceProvider sp, Func<SummarizerOptions, SummarizerOptions>? configure)
    {
        var factory = sp.GetService<ConditionedRewardModelFactory>();
        var backend = factory?.Options;
        string directory = factory?.ModelPath ?? DefaultModels.ExtractTinyQwen2();
        var device = factory?.Device ?? TorchRuntime.ResolveDevice("cpu");
        var dtype = factory?.DType ?? TorchRuntime.ResolveDType("auto", device);
        var plus = sp.GetService<IOptions<PlusOptions>>()?.Value ?? new PlusOptions();
        var prompts = sp.GetRequiredService<PromptRenderer>();
        var options = new SummarizerOptions
        {
            Domain = prompts.Domain,
            MaxSummaryWords = plus.MaxSummaryWords,
            Seed = plus.Seed,
            ModelName = Path.GetFileName(directory.TrimEnd('/', '\\')),
        };
        if (configure is not null) options = configure(options);
        options.Validate();
        var tokenizer = HfTokenizer.Load(backend?.TokenizerPath ?? directory);
        var formatter = backend?.ChatFormat is { } name ? ChatFormatters.FromName(name, backend.DefaultSystemMessage) : null;
        var model = CausalLM.FromPretrained(directory, device, dtype);
        try
        {
            if (backend?.SummarizerAdapterPath is { } adapter) Plus.Torch.Lora.LoraAdapter.Load(model, adapter);
            return new TorchUserSummarizer(new TextGenerator(model, tokenizer, formatter), prompts, options);
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    private sealed class PlusTrainerMarker;

    /// <summary>One registered PLUS method: loads fresh models for each run and hands them to the returned model.</summary>
    private sealed class PlusTrainingRun(IServiceProvider services, bool trainSummarizer) : IPreferenceTrainer
    {
        public string Name => trainSummarizer ? PreferenceMethods.Plus : PreferenceMethods.PlusUntrained;

        public async Task<ITrainedPreferenceModel> TrainAsync(
            IReadOnlyList<PreferenceExample> train, IReadOnlyList<PreferenceExample>? eval = null,
            IProgress<TrainingProgress>? progress = null, CancellationToken cancellationToken = default)
        {
            var shared = services.GetRequiredService<IOptions<PlusTrainerOptions>>().Value;
            var plus = services.GetService<IOptions<PlusOptions>>()?.Value ?? new PlusOptions();
            var factory = services.GetService<ConditionedRewardModelFactory>()
                ?? throw new InvalidOperationException("The PLUS trainers need the TorchSharp backend: call AddPlus().AddTorchBackend(...) as well.");
            var options = shared.Clone();
            options.TrainSummarizer = trainSummarizer;
            options.Seed ??= plus.Seed;
            if (options.CheckpointDirectory is { } dir) options.CheckpointDirectory = Path.Combine(dir, Name);
            if (options.MetricsPath is { } metrics)
                options.MetricsPath = Path.Combine(Path.GetDirectoryName(metrics) ?? string.Empty, $"{Path.GetFileNameWithoutExtension(metrics)}.{Name}{Path.GetExtension(metrics)}");
            string summarizerPath = options.SummarizerModelPath ?? factory.ModelPath;
            var summarizer = CausalLM.FromPretrained(summarizerPath, factory.Device, factory.DType);
            ConditionedRewardModel? rewardModel = null;
            PlusTrainer? trainer = null;
            try
            {
                rewardModel = factory.Create();
                var backend = factory.Options;
                var formatter = backend.ChatFormat is { } name ? ChatFormatters.FromName(name, backend.DefaultSystemMessage) : null;
                trainer = new PlusTrainer(
                    summarizer, HfTokenizer.Load(summarizerPath), rewardModel, options, services.GetService<ILogger<PlusTrainer>>(), formatter,
                    services.GetRequiredService<PromptRenderer>(), plus.MaxSummaryWords, ownsModels: true);
                var model = await trainer.TrainModelAsync(train, eval, progress, cancellationToken).ConfigureAwait(false);
                return new TrainedModel(model.Parts with { Owned = [trainer, .. model.Parts.Owned] });
            }
            catch
            {
                trainer?.Dispose();
                rewardModel?.Dispose();
                summarizer.Dispose();
                throw;
            }
        }
    }
}
