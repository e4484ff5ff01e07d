using BenchmarkDotNet.Attributes;
using Plus.Benchmarks.Generation;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Benchmarks;

/// <summary>
/// Reward-model speed: a no-grad forward of <see cref="Batch"/> sequences (sequences/s = Batch / time) and one
/// Bradley-Terry training step on <see cref="Batch"/> pairs (2 × Batch sequences), chosen and rejected in one
/// forward, full fine-tuning or LoRA r 16 (pairs/s = Batch / time). CPU with the small shape by default (sequence length 128);
/// <c>PLUS_BENCH_DEVICE=cuda</c> runs the Qwen2.5-0.5B shape in bf16 with 512-token sequences, the shapes of the
/// transformers reference (<c>benchmarks/python/hf_reward_bench.py</c>; forward 32 × 512, BT step 8 pairs × 512).
/// </summary>
[MemoryDiagnoser]
public class RewardBenchmarks
{
    private RewardModel _full = null!;
    private RewardModel _lora = null!;
    private MultiTensorAdamW _fullOptimizer = null!;
    private MultiTensorAdamW _loraOptimizer = null!;
    private Tensor _forwardIds = null!;
    private Tensor _forwardMask = null!;
    private Tensor _pairIds = null!;
    private Tensor _pairMask = null!;
    private Device _device = null!;

    /// <summary>Sequences per forward; pairs per training step.</summary>
    [Params(8, 32)]
    public int Batch { get; set; }

    /// <summary>Tokens per sequence (128 on the CPU, 512 on CUDA).</summary>
    public int SequenceLength { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var (device, dtype, config, _) = BenchModels.FromEnvironment();
        _device = device;
        SequenceLength = device.type == DeviceType.CUDA ? 512 : 128;
        _full = RewardModel.Create(config, seed: 1, device, dtype);
        _lora = RewardModel.Create(config, seed: 1, device, dtype);
        _lora.EnableLora(new LoraSettings { Rank = 16, Alpha = 32 }, seed: 2);
        _fullOptimizer = OptimizerFactory.CreateMultiTensorAdamW(_full, new AdamWSettings { LearningRate = 1e-6 });
        _loraOptimizer = OptimizerFactory.CreateMultiTensorAdamW(_lora, new AdamWSettings { LearningRate = 1e-6 });
        (_forwardIds, _forwardMask) = RewardComparison.RandomBatch(Batch, SequenceLength, config.VocabSize, device, seed: 3);
        (_pairIds, _pairMask) = RewardComparison.RandomBatch(2 * Batch, SequenceLength, config.VocabSize, device, seed: 4);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _fullOptimizer.Dispose();
        _loraOptimizer.Dispose();
        _forwardIds.Dispose();
        _forwardMask.Dispose();
        _pairIds.Dispose();
        _pairMask.Dispose();
        _full.Dispose();
        _lora.Dispose();
    }

    /// <summary>Scores <see cref="Batch"/> sequences without gradients.</summary>
    [Benchmark]
    public float Forward()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var scores = _full.Forward(_forwardIds, _forwardMask);
        BenchModels.Synchronize(_device);
        return scores.shape[0];
    }

    /// <summary>One BT step on <see cref="Batch"/> pairs, every weight trained (the trainers' <see cref="MultiTensorAdamW"/>).</summary>
    [Benchmark]
    public double BradleyTerryStepFull() => RewardComparison.Step(_full, _fullOptimizer, _pairIds, _pairMask, _device);

    /// <summary>One BT step on <see cref="Batch"/> pairs, LoRA r 16 on every projection plus the head.</summary>
    [Benchmark]
    public double BradleyTerryStepLora() => RewardComparison.Step(_lora, _loraOptimizer, _pairIds, _pairMask, _device);
}
