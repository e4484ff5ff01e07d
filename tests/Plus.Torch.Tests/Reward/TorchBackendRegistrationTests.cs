using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Reward;

public class TorchBackendRegistrationTests
{
    private static string TinyChat => Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    [Fact]
    public async Task Missing_or_invalid_backend_options_fail_start_up_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddPlus().AddTorchBackend(o =>
        {
            o.ModelPath = " ";
            o.Device = "tpu";
            o.DType = "int8";
            o.ChatFormat = "alpaca";
            o.MaxSequenceLength = 4;
        });
        using var provider = services.BuildServiceProvider();
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));
        Assert.Contains("Plus:Torch:ModelPath must not be blank (leave it unset for the embedded default model).", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:Device must be cpu, cuda, cuda:N or auto, found 'tpu'.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:DType must be one of auto, float32, bfloat16, float16, found 'int8'.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:ChatFormat must be one of chatml, llama3 or unset, found 'alpaca'.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Torch:MaxSequenceLength must be at least 16, found 4.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_model_path_that_does_not_exist_is_named()
    {
        var services = new ServiceCollection();
        services.AddPlus().AddTorchBackend(o => o.ModelPath = "/no/such/model");
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<TorchBackendOptions>>().Value);
        Assert.Contains("Plus:Torch:ModelPath '/no/such/model' does not exist.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_backend_refuses_an_IRewardModel_from_a_language_model_whose_head_was_never_trained()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Domain = "pets").AddTorchBackend(o => o.ModelPath = TinyChat);
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IRewardModel>());
        Assert.Contains("without a trained reward head", ex.Message, StringComparison.Ordinal);
        Assert.Contains("AddPlusModel", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_backend_serves_an_IRewardModel_from_a_reward_model_folder()
    {
        string folder = Path.Combine(Path.GetTempPath(), "plus-rm-folder-" + Guid.NewGuid().ToString("N"));
        try
        {
            using (var source = RewardModel.FromPretrained(TinyChat, newHeadSeed: 3)) source.SavePretrained(folder);
            foreach (var f in new[] { "tokenizer.json", "tokenizer_config.json" }) File.Copy(Path.Combine(TinyChat, f), Path.Combine(folder, f));
            var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Plus:Torch:ModelPath"] = folder,
                ["Plus:Torch:MaxSequenceLength"] = "128",
            }).Build();
            var services = new ServiceCollection();
            services.AddPlus(o => o.Domain = "pets").AddTorchBackend(configuration.GetSection(TorchBackendOptions.SectionName));
            using var provider = services.BuildServiceProvider();
            await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);

            var rewardModel = provider.GetRequiredService<IRewardModel>();
            var typed = Assert.IsType<ConditionedRewardModel>(rewardModel);
            Assert.True(typed.Model.HeadTrained);
            Assert.Equal(128, typed.Encoder.MaxLength);
            var queries = new[]
            {
                new RewardQuery(Conversation.FromUser("Please talk about one kind of pets."), "Cats are curious.", UserConditioning.FromOracle("This user prefers cats over dogs.")),
                new RewardQuery(Conversation.FromUser("Please talk about one kind of pets."), "Dogs are loyal.", UserConditioning.None),
            };
            var scores = await rewardModel.ScoreAsync(queries);
            using var manual = new ConditionedRewardModel(
                RewardModel.FromPretrained(TinyChat, newHeadSeed: 3),
                provider.GetRequiredService<ConditionedRewardModelFactory>().CreateEncoder());
            Assert.Equal(scores, manual.Score(queries));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void Trainers_for_btl_icl_and_oracle_are_registered_by_name_with_their_own_checkpoint_folders()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Domain = "pets")
            .AddTorchBackend(o => o.ModelPath = TinyChat)
            .AddBradleyTerryTrainers(o =>
            {
                o.LearningRate = 1e-3;
                o.CheckpointDirectory = "/tmp/bt";
                o.MetricsPath = "/tmp/bt/metrics.jsonl";
            })
            .AddBradleyTerryTrainers();
        using var provider = services.BuildServiceProvider();

        var all = provider.GetServices<IPreferenceTrainer>().ToList();
        Assert.Equal(["BTL", "ICL", "Oracle"], all.Select(t => t.Name));
        var icl = Assert.IsType<BradleyTerryTrainer>(provider.GetRequiredKeyedService<IPreferenceTrainer>("ICL"));
        Assert.Equal(ConditioningKind.Context, icl.Kind);
        Assert.Equal(1e-3, icl.Options.LearningRate);
        Assert.Equal(Path.Combine("/tmp/bt", "ICL"), icl.Options.CheckpointDirectory);
        Assert.Equal(Path.Combine("/tmp/bt", "metrics.ICL.jsonl"), icl.Options.MetricsPath);
        Assert.Same(icl, all[1]);
    }

    [Fact]
    public void Invalid_trainer_options_fail_validation_and_trainers_need_the_backend()
    {
        var services = new ServiceCollection();
        services.AddPlus().AddBradleyTerryTrainers(o => o.BatchSize = 0);
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<BradleyTerryOptions>>().Value);
        Assert.Contains("Plus:Torch:BradleyTerry:BatchSize must be at least 1, found 0.", ex.Message, StringComparison.Ordinal);

        var withoutBackend = new ServiceCollection();
        withoutBackend.AddPlus().AddBradleyTerryTrainers();
        using var p2 = withoutBackend.BuildServiceProvider();
        var missing = Assert.Throws<InvalidOperationException>(() => p2.GetRequiredKeyedService<IPreferenceTrainer>("BTL"));
        Assert.Contains("AddTorchBackend", missing.Message, StringComparison.Ordinal);
    }
}
