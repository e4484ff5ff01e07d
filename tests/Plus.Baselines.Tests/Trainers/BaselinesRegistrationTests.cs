using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Plus.Baselines.Dpl;
using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Trainers;
using Plus.Training;

namespace Plus.Baselines.Tests.Trainers;

/// <summary>DPL and VPL registered by method name through DI, with validated options.</summary>
public class BaselinesRegistrationTests
{
    private static ServiceProvider Provider(Action<PlusBuilder> add)
    {
        var services = new ServiceCollection();
        var builder = services.AddPlus(o => o.Domain = "pets").AddTorchBackend(o => o.ModelPath = TinyModels.ModelDir);
        add(builder);
        return services.BuildServiceProvider();
    }

    [Fact]
    public void DPL_and_VPL_are_keyed_trainers_under_their_names_and_registering_twice_adds_nothing()
    {
        using var provider = Provider(b => b.AddDplTrainer().AddDplTrainer().AddVplTrainer().AddVplTrainer());
        Assert.IsType<DplTrainer>(provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Dpl));
        Assert.IsType<VplTrainer>(provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Vpl));
        var names = provider.GetServices<IPreferenceTrainer>().Select(t => t.Name).OrderBy(n => n, StringComparer.Ordinal).ToArray();
        Assert.Equal(new[] { PreferenceMethods.Dpl, PreferenceMethods.Vpl }, names);
    }

    [Fact]
    public void The_Action_overloads_reach_the_trainers_and_an_unset_seed_takes_Plus_Seed()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => { o.Domain = "pets"; o.Seed = 11; }).AddTorchBackend(o => o.ModelPath = TinyModels.ModelDir)
            .AddDplTrainer(o => { o.Head = new DplOptions { Variant = DplVariant.Categorical, Atoms = 5 }; o.Training.Epochs = 3; })
            .AddVplTrainer(o => { o.Vpl = new Plus.Baselines.Vpl.VplOptions { LatentSize = 4, KlWeight = 0 }; o.EmbedBatchSize = 2; });
        using var provider = services.BuildServiceProvider();
        var dpl = Assert.IsType<DplTrainer>(provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Dpl));
        Assert.Equal(DplVariant.Categorical, dpl.Options.Head.Variant);
        Assert.Equal(5, dpl.Options.Head.Atoms);
        Assert.Equal(3, dpl.Options.Training.Epochs);
        Assert.Equal(11, dpl.Options.Training.Seed);
        var vpl = Assert.IsType<VplTrainer>(provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Vpl));
        Assert.Equal(4, vpl.Options.Vpl.LatentSize);
        Assert.Equal(0, vpl.Options.Vpl.KlWeight);
        Assert.Equal(2, vpl.Options.EmbedBatchSize);
        Assert.Equal(11, vpl.Options.Training.Seed);
    }

    [Fact]
    public void The_configuration_overloads_bind_the_nested_sections()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Plus:Baselines:Dpl:Head:Variant"] = "Categorical",
            ["Plus:Baselines:Dpl:Head:EntropyBonus"] = "0.5",
            ["Plus:Baselines:Dpl:Training:BatchSize"] = "4",
            ["Plus:Baselines:Vpl:Vpl:ClampMean"] = "false",
            ["Plus:Baselines:Vpl:Vpl:HiddenSize"] = "24",
            ["Plus:Baselines:Vpl:Training:LearningRate"] = "0.003",
        }).Build();
        using var provider = Provider(b => b
            .AddDplTrainer(configuration.GetSection(DplTrainerOptions.SectionName))
            .AddVplTrainer(configuration.GetSection(VplTrainerOptions.SectionName)));
        var dpl = (DplTrainer)provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Dpl);
        Assert.Equal(DplVariant.Categorical, dpl.Options.Head.Variant);
        Assert.Equal(0.5, dpl.Options.Head.EntropyBonus);
        Assert.Equal(4, dpl.Options.Training.BatchSize);
        var vpl = (VplTrainer)provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Vpl);
        Assert.False(vpl.Options.Vpl.ClampMean);
        Assert.Equal(24, vpl.Options.Vpl.HiddenSize);
        Assert.Equal(0.003, vpl.Options.Training.LearningRate);
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_naming_the_option()
    {
        using var provider = Provider(b => b
            .AddDplTrainer(o => { o.Head = new DplOptions { Atoms = 1 }; o.Training.BatchSize = 0; })
            .AddVplTrainer(o => { o.EmbedBatchSize = 0; o.Vpl = new Plus.Baselines.Vpl.VplOptions { AnnealCycles = 0 }; }));
        // Both options fail, so start-up reports both (one OptionsValidationException each).
        var ex = await Assert.ThrowsAsync<AggregateException>(() => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));
        Assert.All(ex.InnerExceptions, e => Assert.IsType<OptionsValidationException>(e));
        Assert.Contains("Plus:Baselines:Dpl:Head: DplOptions.Atoms must be at least 2.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Baselines:Dpl:Training:BatchSize must be at least 1, found 0.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Baselines:Vpl:EmbedBatchSize must be at least 1, found 0.", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Baselines:Vpl:Vpl: VplOptions.AnnealCycles must be at least 1.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_the_backend_the_trainer_says_what_to_add()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Domain = "pets").AddDplTrainer();
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredKeyedService<IPreferenceTrainer>(PreferenceMethods.Dpl));
        Assert.Contains("AddTorchBackend", ex.Message, StringComparison.Ordinal);
    }
}
