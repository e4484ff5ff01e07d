using BenchmarkDotNet.Attributes;
using Plus.Benchmarks.Generation;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Training;

/// <summary>
/// One AdamW step over every parameter of a reward model with the Qwen2.5-0.5B layer structure at a narrow width
/// (291 tensors, <see cref="BenchModels.Qwen05BStructure"/>), fixed random gradients: TorchSharp's per-parameter
/// <c>AdamW</c> (9 kernels per tensor) against <see cref="MultiTensorAdamW"/> (8 per flat buffer). What differs is the
/// per-call overhead, so the ratio on the CPU understates nothing but kernel-launch cost. Short: one launch, one
/// warm-up, five iterations of 20 steps.
/// </summary>
[MemoryDiagnoser]
[SimpleJob(launchCount: 1, warmupCount: 1, iterationCount: 5, invocationCount: 20)]
public class AdamWStepBenchmarks
{
    private RewardModel _model = null!;
    private optim.Optimizer _optimizer = null!;

    /// <summary>Which optimizer: <c>reference</c> (TorchSharp's AdamW) or <c>multi-tensor</c>.</summary>
    [Params("reference", "multi-tensor")]
    public string Optimizer { get; set; } = "multi-tensor";

    [GlobalSetup]
    public void Setup()
    {
        _model = RewardModel.Create(BenchModels.Qwen05BStructure(), seed: 1, CPU, ScalarType.Float32);
        var settings = new AdamWSettings { LearningRate = 1e-6 };
        _optimizer = Optimizer == "reference" ? OptimizerFactory.CreateAdamW(_model, settings) : OptimizerFactory.CreateMultiTensorAdamW(_model, settings);
        using var gen = new Generator(3, CPU);
        using var noGrad = no_grad();
        foreach (var p in _model.parameters())
        {
            using var scope = NewDisposeScope();
            if (p.grad is { } grad) grad.copy_(randn(p.shape, generator: gen));
            else p.grad = randn(p.shape, generator: gen);
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _optimizer.Dispose();
        _model.Dispose();
    }

    /// <summary>One optimizer step.</summary>
    [Benchmark]
    public void Step() => _optimizer.step();
}
