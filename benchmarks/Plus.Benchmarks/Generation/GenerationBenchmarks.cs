using BenchmarkDotNet.Attributes;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Generation;

/// <summary>
/// Prefill and decode throughput of <see cref="CausalLM"/> with the KV cache. CPU with a small shape by default;
/// <c>PLUS_BENCH_DEVICE=cuda</c> runs the Qwen2.5-0.5B shape in bf16 on the GPU. Divide by the token counts
/// (<see cref="PromptLength"/> × <see cref="Batch"/>, or <see cref="DecodeSteps"/> × <see cref="Batch"/>) for tokens/s.
/// </summary>
[MemoryDiagnoser]
public class GenerationBenchmarks
{
    private CausalLM _model = null!;
    private TokenGenerator _generator = null!;
    private Tensor _ids = null!;
    private Tensor _mask = null!;
    private KvCache _cache = null!;
    private Tensor _step = null!;
    private Tensor _positions = null!;
    private Device _device = null!;

    /// <summary>Rows per batch.</summary>
    [Params(1, 8, 32)]
    public int Batch { get; set; }

    /// <summary>Prompt tokens per row.</summary>
    public int PromptLength { get; set; } = 128;

    /// <summary>Decode steps per decode benchmark.</summary>
    public int DecodeSteps { get; set; } = 32;

    [GlobalSetup]
    public void Setup()
    {
        var (device, dtype, config, _) = BenchModels.FromEnvironment();
        _device = device;
        _model = CausalLM.Create(config, seed: 1, device, dtype);
        _generator = new TokenGenerator(_model);
        using var gen = new TorchSharp.torch.Generator(2, CPU);
        _ids = randint(3, config.VocabSize, [Batch, PromptLength], ScalarType.Int64, generator: gen).to(device);
        _mask = ones(Batch, PromptLength, ScalarType.Int64, device);
        _cache = _model.CreateCache(Batch, PromptLength + DecodeSteps + 1);
        _step = ones(Batch, 1, ScalarType.Int64, device);
        _positions = full(Batch, 1, PromptLength, ScalarType.Int64, device);
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _cache.Dispose();
        _ids.Dispose();
        _mask.Dispose();
        _step.Dispose();
        _positions.Dispose();
        _model.Dispose();
    }

    /// <summary>One prompt forward into an empty cache (B × PromptLength tokens), last-position logits only.</summary>
    [Benchmark]
    public long Prefill()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _cache.Reset();
        var hidden = _model.ForwardHidden(_ids, _mask, null, _cache);
        var logits = _model.ComputeLogits(hidden.select(1, PromptLength - 1));
        var token = logits.argmax(-1);
        BenchModels.Synchronize(_device);
        return token.shape[0];
    }

    /// <summary>DecodeSteps single-token forwards after a prompt (B × DecodeSteps tokens), cache reused.</summary>
    [Benchmark]
    public long Decode()
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        _cache.Reset();
        _model.ForwardHidden(_ids, _mask, null, _cache).Dispose();
        for (int i = 0; i < DecodeSteps; i++)
        {
            using var inner = NewDisposeScope();
            var hidden = _model.ForwardHidden(_step, null, _positions + i, _cache);
            var next = _model.ComputeLogits(hidden.select(1, 0)).argmax(-1, keepdim: true);
            _step.copy_(next);
        }

        BenchModels.Synchronize(_device);
        return DecodeSteps;
    }

    /// <summary>Full sampled generation: prompt + DecodeSteps new tokens per row (top-k 50).</summary>
    [Benchmark]
    public int GenerateSampled()
    {
        using var output = _generator.Generate(_ids, _mask, new GenerationOptions
        {
            MaxNewTokens = DecodeSteps,
            DoSample = true,
            TopK = 50,
            Seed = 1,
        });
        BenchModels.Synchronize(_device);
        return output.Steps;
    }
}
