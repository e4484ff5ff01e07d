using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Trainers;
using Plus.Baselines.Vpl;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Baselines.Tests.Trainers;

/// <summary>
/// The guards and the model ownership that DPL and VPL share (one internal piece serves both): invalid options, an
/// empty training set, a factory that returns null, an empty evaluation set and a run cancelled before it starts.
/// </summary>
public class DplVplGuardTests
{
    private static IPreferenceTrainer Trainer(string method, Func<ConditionedRewardModel> factory, bool ownsModels = true) => method == PreferenceMethods.Dpl
        ? BaselineTrainers.Dpl(factory, o => { o.Training.BatchSize = 8; o.Training.LearningRate = 1e-3; o.Training.Seed = 3; }, ownsModels: ownsModels)
        : BaselineTrainers.Vpl(factory, o => { o.Vpl = new VplOptions { LatentSize = 8, HiddenSize = 16, Seed = 1 }; o.Training.BatchSize = 8; o.Training.LearningRate = 1e-3; o.Training.Seed = 3; }, ownsModels: ownsModels);

    [Fact]
    public void Invalid_options_and_a_missing_factory_are_refused_naming_the_argument()
    {
        var dpl = Assert.Throws<ArgumentException>(() => new DplTrainer(new DplTrainerOptions { Training = { BatchSize = 0 } }, () => TinyModels.BaseRewardModel()));
        Assert.Equal("options", dpl.ParamName);
        Assert.Contains("Plus:Baselines:Dpl:Training:BatchSize must be at least 1, found 0.", dpl.Message, StringComparison.Ordinal);
        var vpl = Assert.Throws<ArgumentException>(() => new VplTrainer(new VplTrainerOptions { EmbedBatchSize = 0 }, () => TinyModels.BaseRewardModel()));
        Assert.Equal("options", vpl.ParamName);
        Assert.Contains("Plus:Baselines:Vpl:EmbedBatchSize must be at least 1, found 0.", vpl.Message, StringComparison.Ordinal);
        Assert.Equal("modelFactory", Assert.Throws<ArgumentNullException>(() => new DplTrainer(new DplTrainerOptions(), null!)).ParamName);
        Assert.Equal("modelFactory", Assert.Throws<ArgumentNullException>(() => new VplTrainer(new VplTrainerOptions(), null!)).ParamName);
    }

    [Theory]
    [InlineData(PreferenceMethods.Dpl)]
    [InlineData(PreferenceMethods.Vpl)]
    public async Task An_empty_training_set_is_refused_before_the_factory_is_called(string method)
    {
        int calls = 0;
        var trainer = Trainer(method, () => { calls++; return TinyModels.BaseRewardModel(); });
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => trainer.TrainAsync([]));
        Assert.Equal("train", ex.ParamName);
        Assert.StartsWith("There are no training examples.", ex.Message, StringComparison.Ordinal);
        Assert.Equal(0, calls);
    }

    [Theory]
    [InlineData(PreferenceMethods.Dpl)]
    [InlineData(PreferenceMethods.Vpl)]
    public async Task A_factory_that_returns_null_is_named(string method)
    {
        var ex = await Assert.ThrowsAsync<InvalidOperationException>(() => Trainer(method, () => null!).TrainAsync(TinyModels.SmallPets(4).Train));
        Assert.Equal("The model factory returned null.", ex.Message);
    }

    [Theory]
    [InlineData(PreferenceMethods.Dpl, true)]
    [InlineData(PreferenceMethods.Dpl, false)]
    [InlineData(PreferenceMethods.Vpl, true)]
    [InlineData(PreferenceMethods.Vpl, false)]
    public async Task A_run_cancelled_before_it_starts_disposes_the_factory_model_only_when_it_owns_it(string method, bool ownsModels)
    {
        ConditionedRewardModel? built = null;
        var trainer = Trainer(method, () => built = TinyModels.BaseRewardModel(), ownsModels);
        using var cts = new CancellationTokenSource();
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => trainer.TrainAsync(TinyModels.SmallPets(4).Train, cancellationToken: cts.Token));
        Assert.NotNull(built);
        if (ownsModels) Assert.Throws<ObjectDisposedException>(() => built.Score([]));
        else
        {
            Assert.Empty(built.Score([]));
            built.Dispose();
        }
    }

    [Theory]
    [InlineData(PreferenceMethods.Dpl)]
    [InlineData(PreferenceMethods.Vpl)]
    public async Task An_empty_evaluation_set_means_no_evaluation(string method)
    {
        var data = TinyModels.SmallPets(8);
        using var model = await Trainer(method, () => TinyModels.BaseRewardModel()).TrainAsync(data.Train, eval: []);
        Assert.Equal(method, model.Metadata.Method);
        Assert.Equal(1, model.Metadata.Steps);
        Assert.True(model.Metadata.FinalMetrics.ContainsKey("pairs_per_second"));
        Assert.DoesNotContain(model.Metadata.FinalMetrics.Keys, k => k.StartsWith("eval_", StringComparison.Ordinal));
    }
}
