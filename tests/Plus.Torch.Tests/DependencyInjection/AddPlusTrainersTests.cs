using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Plus.Data;
using Plus.Torch.Tests.Training;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.DependencyInjection;

[Collection(TorchGlobalRngCollection.Name)]
public class AddPlusTrainersTests
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    private static ServiceProvider Build(Action<PlusTrainerOptions> configure) =>
        new ServiceCollection()
            .AddPlus(o => o.Domain = "pets")
            .AddTorchBackend(o => o.ModelPath = ModelDir)
            .AddPlusTrainers(configure)
            .AddTorchSummarizer(o => o with { MaxSummaryTokens = 5, Seed = 3 })
            .Services.BuildServiceProvider();

    [Fact]
    public async Task Registers_plus_and_plus_untrained_that_train_from_the_backend_models()
    {
        using var provider = Build(o =>
        {
            o.RolloutBatchSize = 4;
            o.MaxSummaryTokens = 4;
            o.Ppo = new Plus.Torch.Rl.PpoSettings { MiniBatchSize = 2 };
        });
        var trainers = provider.GetServices<IPreferenceTrainer>().Select(t => t.Name).ToList();
        Assert.Contains("PLUS", trainers);
        Assert.Contains("PLUS-untrained", trainers);

        var train = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 1 }).Build().Train.Take(4).ToList();
        var model = await provider.GetRequiredKeyedService<IPreferenceTrainer>("PLUS").TrainAsync(train);
        Assert.Equal("PLUS", model.Name);
        Assert.Single(await model.PredictChosenProbabilitiesAsync(train.Take(1).ToList()));
        (model as IDisposable)?.Dispose();

        var summarizer = provider.GetRequiredService<IUserSummarizer>();
        var summaries = await summarizer.SummarizeAsync([train[0].Context]);
        Assert.Single(summaries);
    }

    [Fact]
    public void Invalid_options_fail_at_start_up_naming_the_option()
    {
        using var provider = Build(o => o.RolloutBatchSize = 0);
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlusTrainerOptions>>().Value);
        Assert.Contains("RolloutBatchSize", ex.Message);
    }

    [Fact]
    public async Task Without_the_backend_training_fails_with_a_clear_message()
    {
        using var provider = new ServiceCollection().AddPlus().AddPlusTrainers().Services.BuildServiceProvider();
        var trainer = provider.GetRequiredKeyedService<IPreferenceTrainer>("PLUS");
        var train = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = 1 }).Build().Train.Take(2).ToList();
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => trainer.TrainAsync(train));
        Assert.Contains("AddTorchBackend", ex.Message);
    }
}
