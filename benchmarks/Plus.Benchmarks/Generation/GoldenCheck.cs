using System.Globalization;
using Plus.Torch.Checkpoints;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Generation;

/// <summary>
/// <c>golden-check DIR</c>: on the benchmark device (PLUS_BENCH_DEVICE, or <c>--device</c>), compares the tiny
/// fixtures' logits and greedy generations with transformers' (fp32 must be within 1e-4; bf16 is reported).
/// For GPU machines, where the xunit suite does not run. Returns 1 when an fp32 check fails.
/// </summary>
internal static class GoldenCheck
{
    public static int Run(string[] args)
    {
        if (args.Length < 2)
        {
            Console.Error.WriteLine("Usage: golden-check <fixtures/golden dir> [--device cpu|cuda]");
            return 2;
        }

        string dir = args[1];
        string device = args.Length > 3 && args[2] == "--device" ? args[3] : Environment.GetEnvironmentVariable("PLUS_BENCH_DEVICE") ?? "cpu";
        var (dev, _, _, _) = BenchModels.Resolve(device, "small");
        bool ok = true;
        foreach (string name in new[] { "tiny-qwen2", "tiny-llama" })
        {
            string folder = Path.Combine(dir, name);
            using var scope = NewDisposeScope();
            using var expected = SafetensorsFile.Open(Path.Combine(folder, "expected.safetensors"));
            var ids = expected.ReadTensor("input_ids", device: dev);
            var mask = expected.ReadTensor("attention_mask", device: dev);
            var golden = expected.ReadTensor("logits", device: dev);
            var greedy = expected.ReadTensor("greedy_sequences");
            foreach (var dtype in new[] { ScalarType.Float32, ScalarType.BFloat16 })
            {
                using var model = CausalLM.FromPretrained(folder, dev, dtype);
                using var noGrad = no_grad();
                var logits = model.Forward(ids, mask);
                float diff = (logits - golden).abs().amax([-1L]).masked_fill(mask.eq(0), 0).max().cpu().item<float>();
                using var output = new TokenGenerator(model).Generate(ids, mask, new GenerationOptions
                {
                    MaxNewTokens = 8, MinNewTokens = 8, StopTokenIds = model.Config.EosTokenIds,
                });
                bool same = output.SequenceIds.cpu().eq(greedy).all().item<bool>();
                bool pass = dtype != ScalarType.Float32 || (diff <= 1e-4f && same);
                ok &= pass;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name} {dev} {dtype}: max|dlogits| {diff:G4}, greedy tokens equal: {same}{(dtype == ScalarType.Float32 ? pass ? "  PASS" : "  FAIL" : "  (bf16: reported only)")}"));
            }
        }

        return ok ? 0 : 1;
    }
}
