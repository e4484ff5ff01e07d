using Plus.Data;
using Plus.Metrics;

namespace Plus.Core.Tests.Metrics;

public class EvaluatorTests
{
    private static readonly ValueList<PreferenceExample> Examples =
        new PetsDatasetBuilder(new PetsDatasetOptions { TrainExamples = 0, TestExamples = 40, OodTestExamples = 0 }).Build().Test;

    /// <summary>Returns <c>predict(example)</c> for each example, records batch sizes, and can return too few results.</summary>
    private sealed class ScriptedModel(Func<PreferenceExample, double> predict, int? wrongCount = null) : IPreferenceModel
    {
        public List<int> BatchSizes { get; } = new();

        public string Name => "Scripted";

        public Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default)
        {
            BatchSizes.Add(examples.Count);
            IReadOnlyList<double> result = examples.Take(wrongCount ?? examples.Count).Select(predict).ToList();
            return Task.FromResult(result);
        }
    }

    [Fact]
    public async Task Computes_accuracy_overall_and_per_group_in_batches()
    {
        var model = new ScriptedModel(e => e.Group == ExampleGroups.Controversial ? 0.9 : 0.5);
        var report = await Evaluator.EvaluateAsync(model, Examples, batchSize: 16);

        Assert.Equal(new[] { 16, 16, 8 }, model.BatchSizes);
        Assert.Equal(1.0, report.Groups[ExampleGroups.Controversial].Accuracy);
        Assert.Equal(0.5, report.Groups[ExampleGroups.Agreed].Accuracy);
        Assert.Equal(0.75, report.Accuracy, 12);
    }

    [Fact]
    public async Task Rejects_a_model_that_returns_the_wrong_count_or_a_bad_probability()
    {
        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => Evaluator.EvaluateAsync(new ScriptedModel(_ => 0.6, wrongCount: 3), Examples));
        Assert.Contains("Model 'Scripted' returned 3 probabilities for 40 examples", error.Message, StringComparison.Ordinal);
        var bad = await Assert.ThrowsAsync<InvalidOperationException>(() => Evaluator.EvaluateAsync(new ScriptedModel(_ => double.NaN), Examples, 10));
        Assert.Contains("for example 0", bad.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Honours_cancellation_between_batches()
    {
        using var cts = new CancellationTokenSource();
        var model = new ScriptedModel(_ =>
        {
            cts.Cancel();
            return 0.7;
        });
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => Evaluator.EvaluateAsync(model, Examples, 10, cts.Token));
        Assert.Single(model.BatchSizes);
    }
}
