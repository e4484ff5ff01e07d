using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Plus.Data;
using Plus.Torch.Chat;
using Plus.Torch.Persistence;
using Plus.Torch.Reward;
using Plus.Torch.Summarization;
using Plus.Torch.Tests.Training;
using Plus.Torch.Training;
using Plus.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.DependencyInjection;

/// <summary>A model trained through DI, saved, and served by a fresh provider that never trains; options reaching every piece.</summary>
[Collection(TorchGlobalRngCollection.Name)]
public sealed class AddPlusModelTests : IDisposable
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");
    private readonly string _work = Path.Combine(Path.GetTempPath(), "plus-di-model-tests", Guid.NewGuid().ToString("N"));
    private readonly IReadOnlyList<PreferenceExample> _train = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 2 }).Build().Train.Take(8).ToList();
    private readonly IReadOnlyList<PreferenceExample> _test = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 2 }).Build().Test.Take(6).ToList();

    public void Dispose()
    {
        if (Directory.Exists(_work)) Directory.Delete(_work, recursive: true);
    }

    private static PlusBuilder Plus(IServiceCollection services, Action<PlusOptions>? configure = null) =>
        services.AddPlus(o =>
        {
            o.Domain = "pets";
            configure?.Invoke(o);
        }).AddTorchBackend(o => o.ModelPath = ModelDir);

    private static void TinyPlus(PlusTrainerOptions o)
    {
        o.RolloutBatchSize = 4;
        o.RewardMiniBatchSize = 4;
        o.MaxSummaryTokens = 5;
        o.Ppo = new Plus.Torch.Rl.PpoSettings { MiniBatchSize = 2 };
    }

    [Fact]
    public async Task A_fresh_provider_serves_the_saved_plus_model_with_the_trained_weights()
    {
        string saved = Path.Combine(_work, "plus");
        IReadOnlyList<double> expected;
        string summary;
        using (var training = Plus(new ServiceCollection()).AddPlusTrainers(TinyPlus).Services.BuildServiceProvider())
        {
            using var model = await training.GetRequiredKeyedService<IPreferenceTrainer>("PLUS").TrainAsync(_train);
            expected = await model.PredictChosenProbabilitiesAsync(_test);
            summary = (await model.Summarizer!.SummarizeAsync([_test[0].Context]))[0].Text;
            await model.SaveAsync(saved);
        }

        var services = new ServiceCollection();
        services.AddPlus().AddPlusModel(saved);
        using var serving = services.BuildServiceProvider();
        await serving.GetRequiredService<Microsoft.Extensions.Options.IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        var trained = serving.GetRequiredService<ITrainedPreferenceModel>();
        Assert.Equal("PLUS", trained.Name);
        Assert.Equal(expected, await trained.PredictChosenProbabilitiesAsync(_test));
        Assert.Same(trained.Summarizer, serving.GetRequiredService<IUserSummarizer>());
        Assert.Same(trained.RewardModel, serving.GetRequiredService<IRewardModel>());
        Assert.Equal(summary, (await serving.GetRequiredService<IUserSummarizer>().SummarizeAsync([_test[0].Context]))[0].Text);

        var predictor = serving.GetRequiredService<IPreferencePredictor>();
        var example = _test[0];
        var prediction = await predictor.PredictAsync(example.Context, example.Target.Prompt, example.Target.Chosen, example.Target.Rejected);
        Assert.Equal(summary, prediction.Summary!.Text);
        var edited = await predictor.PredictAsync(example.Context, example.Target.Prompt, example.Target.Chosen, example.Target.Rejected, UserSummary.FromUser("I like birds."));
        Assert.Equal("I like birds.", edited.Summary!.Text);
    }

    [Fact]
    public async Task A_saved_summarizer_adapter_loads_into_the_torch_summarizer_and_the_local_chat_client()
    {
        string saved = Path.Combine(_work, "adapter");
        string expected;
        TrainedModel? trained = null;
        using (var training = Plus(new ServiceCollection()).AddPlusTrainers(o => { TinyPlus(o); o.ActorLearningRate = 5e-2; o.FreezeSummarizerSteps = 0; }).Services.BuildServiceProvider())
        {
            trained = (TrainedModel)await training.GetRequiredKeyedService<IPreferenceTrainer>("PLUS").TrainAsync(_train);
            await trained.SaveAsync(saved);
            expected = (await trained.Summarizer!.SummarizeAsync([_test[0].Context]))[0].Text;
            var sampling = trained.Summarizer.Options;
            var services = new ServiceCollection();
            services.AddPlus(o => o.Domain = "pets")
                .AddTorchBackend(o => { o.ModelPath = ModelDir; o.SummarizerAdapterPath = Path.Combine(saved, "summarizer"); })
                .AddTorchSummarizer(_ => sampling)
                .AddLocalChatClient(o => { o.ModelDirectory = ModelDir; o.AdapterPath = Path.Combine(saved, "summarizer"); });
            using var provider = services.BuildServiceProvider();
            var summarizer = Assert.IsType<TorchUserSummarizer>(provider.GetRequiredService<IUserSummarizer>());
            Assert.Equal(expected, (await summarizer.SummarizeAsync([_test[0].Context]))[0].Text);
            Assert.True(summarizer.Generator.Model.NamedProjections().Any(p => p.Module is Plus.Torch.Lora.LoraLinear), "the adapter is injected");
            var chat = provider.GetRequiredService<LocalChatClient>();
            Assert.True(chat.Generator.Model.NamedProjections().Any(p => p.Module is Plus.Torch.Lora.LoraLinear), "the chat client holds the adapter");
            trained.Dispose();
        }
    }

    [Fact]
    public async Task A_saved_btl_model_serves_predictions_from_configuration_and_says_it_has_no_summarizer()
    {
        string saved = Path.Combine(_work, "btl");
        IReadOnlyList<double> expected;
        using (var training = Plus(new ServiceCollection()).AddBradleyTerryTrainers(o => o.MaxSteps = 2).Services.BuildServiceProvider())
        {
            using var model = await training.GetRequiredKeyedService<IPreferenceTrainer>("BTL").TrainAsync(_train);
            expected = await model.PredictChosenProbabilitiesAsync(_test);
            await model.SaveAsync(saved);
        }

        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?> { ["Plus:Model:Path"] = saved }).Build();
        var services = new ServiceCollection();
        services.AddPlus().AddPlusModel(configuration.GetSection(TrainedModelLoadOptions.SectionName));
        using var serving = services.BuildServiceProvider();
        Assert.Equal(expected, await serving.GetRequiredService<ITrainedPreferenceModel>().PredictChosenProbabilitiesAsync(_test));
        var example = _test[0];
        var p = await serving.GetRequiredService<IPreferencePredictor>().PredictAsync(example.Context, example.Target.Prompt, example.Target.Chosen, example.Target.Rejected);
        Assert.Null(p.Summary);
        var ex = Assert.Throws<InvalidOperationException>(() => serving.GetRequiredService<IUserSummarizer>());
        Assert.Contains("has no summarizer", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_folder_that_is_not_a_saved_model_fails_at_start_up_naming_it()
    {
        var services = new ServiceCollection();
        services.AddPlus().AddPlusModel(ModelDir);
        using var provider = services.BuildServiceProvider();
        var ex = await Assert.ThrowsAsync<Microsoft.Extensions.Options.OptionsValidationException>(
            () => provider.GetRequiredService<Microsoft.Extensions.Options.IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));
        Assert.Contains("Plus:Model:Path", ex.Message, StringComparison.Ordinal);
        Assert.Contains("has no plus.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_plus_seed_reaches_the_trainers_unless_they_set_their_own()
    {
        using var provider = Plus(new ServiceCollection(), o => o.Seed = 7).AddBradleyTerryTrainers().AddPlusTrainers().Services.BuildServiceProvider();
        var btl = Assert.IsType<BradleyTerryTrainer>(provider.GetRequiredKeyedService<IPreferenceTrainer>("ICL"));
        Assert.Equal(7, btl.Options.Seed);

        using var own = Plus(new ServiceCollection(), o => o.Seed = 7).AddBradleyTerryTrainers(o => o.Seed = 3).Services.BuildServiceProvider();
        Assert.Equal(3, Assert.IsType<BradleyTerryTrainer>(own.GetRequiredKeyedService<IPreferenceTrainer>("BTL")).Options.Seed);
    }

    [Fact]
    public async Task Domain_prompt_overrides_seed_and_word_cap_reach_the_plus_trainer_and_travel_with_the_saved_model()
    {
        const string prefix = "What I like, in short: {summary}\n\n";
        using var provider = Plus(new ServiceCollection(), o =>
        {
            o.Seed = 9;
            o.MaxSummaryWords = 3;
            o.Prompts.Pets.SummaryPrefix = prefix;
        }).AddPlusTrainers(o =>
        {
            TinyPlus(o);
            o.Epochs = 1;
        }).Services.BuildServiceProvider();
        using var model = (TrainedModel)await provider.GetRequiredKeyedService<IPreferenceTrainer>("PLUS").TrainAsync(_train.Take(4).ToList());
        Assert.Equal(global::Plus.Prompts.PromptDomain.Pets, model.Summarizer!.Renderer.Domain);
        Assert.Equal(prefix, model.RewardModel.Encoder.Renderer.Prompts.Templates.SummaryPrefix);
        Assert.Equal(9, model.Metadata.Seed);
        Assert.Equal(9, model.Summarizer.Options.Seed);
        Assert.Equal(3, model.Summarizer.Options.MaxSummaryWords);
        var summaries = await model.Summarizer.SummarizeAsync(_test.Select(e => e.Context).Take(3).ToList());
        Assert.All(summaries, s => Assert.True(s.Text.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length <= 3, s.Text));
        string text = model.RewardModel.Encoder.RenderText(new RewardQuery(_test[0].Target.Prompt, "Dogs.", UserConditioning.FromSummary(UserSummary.FromUser("likes dogs"))));
        Assert.Contains("What I like, in short: likes dogs", text, StringComparison.Ordinal);

        string saved = Path.Combine(_work, "prompts");
        await model.SaveAsync(saved);
        using var loaded = TrainedModel.Load(saved);
        Assert.Equal(prefix, loaded.Prompts.Templates.SummaryPrefix);
        Assert.Equal(3, loaded.Summarizer!.Options.MaxSummaryWords);
        Assert.Equal(text, loaded.RewardModel.Encoder.RenderText(new RewardQuery(_test[0].Target.Prompt, "Dogs.", UserConditioning.FromSummary(UserSummary.FromUser("likes dogs")))));
    }

    [Fact]
    public async Task The_backend_dtype_reaches_the_summarizer_the_trainers_the_chat_client_and_served_models()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Domain = "pets")
            .AddTorchBackend(o => { o.ModelPath = ModelDir; o.DType = "bfloat16"; })
            .AddTorchSummarizer()
            .AddBradleyTerryTrainers(o => o.MaxSteps = 1)
            .AddLocalChatClient(o => o.ModelDirectory = ModelDir);
        using var provider = services.BuildServiceProvider();
        var summarizer = Assert.IsType<TorchUserSummarizer>(provider.GetRequiredService<IUserSummarizer>());
        Assert.Equal(ScalarType.BFloat16, summarizer.Generator.Model.DType);
        Assert.Equal(ScalarType.BFloat16, provider.GetRequiredService<LocalChatClient>().Generator.Model.DType);
        using var btl = (TrainedModel)await provider.GetRequiredKeyedService<IPreferenceTrainer>("BTL").TrainAsync(_train);
        Assert.Equal(ScalarType.BFloat16, btl.RewardModel.Model.DType);

        string saved = Path.Combine(_work, "bf16");
        await btl.SaveAsync(saved);
        var serving = new ServiceCollection();
        serving.AddPlus().AddTorchBackend(o => { o.ModelPath = ModelDir; o.DType = "bfloat16"; }).AddPlusModel(saved);
        using var served = serving.BuildServiceProvider();
        Assert.Equal(ScalarType.BFloat16, served.GetRequiredService<TrainedModel>().RewardModel.Model.DType);
        using var fp32 = TrainedModel.Load(saved, new TrainedModelLoadOptions { DType = "float32" });
        Assert.Equal(ScalarType.Float32, fp32.RewardModel.Model.DType);
    }

    [Fact]
    public void The_embedded_model_is_the_backend_default_and_gets_the_tiny_learning_rate()
    {
        using var provider = new ServiceCollection().AddPlus(o => o.Domain = "pets").AddTorchBackend().AddBradleyTerryTrainers().Services.BuildServiceProvider();
        var factory = provider.GetRequiredService<ConditionedRewardModelFactory>();
        Assert.Equal(global::Plus.Torch.DefaultModels.ExtractTinyQwen2(), factory.ModelPath);
        using var model = factory.Create();
        long parameters = model.Model.parameters().Sum(p => p.numel());
        var options = new BradleyTerryOptions();
        Assert.Equal(BradleyTerryOptions.TinyLearningRate, options.EffectiveLearningRate(parameters));
        Assert.Equal(BradleyTerryOptions.PaperLearningRate, BradleyTerryOptions.Paper().EffectiveLearningRate(parameters));
        Assert.Equal(BradleyTerryOptions.PaperLearningRate, options.EffectiveLearningRate(500_000_000));
        Assert.Equal(1e-3, new BradleyTerryOptions { LearningRate = 1e-3 }.EffectiveLearningRate(parameters));
    }
}
