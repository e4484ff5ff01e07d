using BenchmarkDotNet.Attributes;
using Plus.Benchmarks.Diagnostics;
using Plus.Benchmarks.Generation;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Training;

/// <summary>
/// One Bradley-Terry step of <see cref="Batch"/> pairs with the issue's real-text length profile (median 191, p90 473
/// tokens; <see cref="LengthProfileData"/>) on the embedded tiny model, without (<see cref="Budget"/> 0: one forward of
/// the whole batch, padded to its longest text) and with a token budget. pairs/s = Batch / time. The process's peak
/// resident memory is printed at the end of each case (<c>peak RSS</c> in the log; BenchmarkDotNet runs every case in
/// its own process); <c>bt-budget</c> reports it as JSON. Short by default: one launch, one warm-up, three iterations.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 3, invocationCount: 1)]
public class TokenBudgetBenchmarks
{
    private ConditionedRewardModel _model = null!;
    private BradleyTerryStep _step = null!;
    private List<ConditionedPair> _pairs = null!;
    private Device _device = null!;

    /// <summary>Pairs per step.</summary>
    [Params(16)]
    public int Batch { get; set; }

    /// <summary>Padded tokens per micro-batch; 0 turns the budget off.</summary>
    [Params(0, 4096)]
    public int Budget { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        (_device, _, _, _) = BenchModels.FromEnvironment();
        _model = LengthProfileData.TinyRewardModel(_device);
        _pairs = LengthProfileData.Pairs(_model, Batch, seed: 1);
        _step = new BradleyTerryStep(_model, new AdamWSettings(), new LearningRateSchedule(1e-5, 1000, 0)) { MaxTokensPerMicroBatch = Budget };
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        Console.WriteLine($"// peak RSS {Memory.ReadStatusKb("VmHWM") / 1024} MB (Budget {Budget}, {_step.LastMicroBatches} micro-batches, largest {_step.LastPeakTokens} padded tokens)");
        _step.Dispose();
        _model.Dispose();
    }

    /// <summary>One optimizer step on <see cref="Batch"/> pairs.</summary>
    [Benchmark]
    public double Step()
    {
        var result = _step.Step(_pairs);
        BenchModels.Synchronize(_device);
        return result.Loss;
    }
}
