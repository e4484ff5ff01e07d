using System.Text;
using Plus.Fuzzing;
using Plus.Torch.Checkpoints;
using Plus.Torch.Tests.Checkpoints;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// The shard index (<c>model.safetensors.index.json</c>) under mutated files: every input opens or fails with a
/// <see cref="CheckpointException"/> (or a <see cref="FileNotFoundException"/> for a shard that does not exist)
/// naming the index.
/// </summary>
public sealed class ShardIndexFuzzTests
{
    [Fact]
    public void Mutated_shard_indexes_open_or_fail_with_a_documented_exception_naming_the_index()
    {
        using var dir = new TempDir();
        using (var scope = NewDisposeScope())
        {
            var tensors = new Dictionary<string, Tensor> { ["a.weight"] = ones(64, 4), ["b.weight"] = ones(64, 4), ["c.bias"] = zeros(8) };
            SafetensorsCheckpoint.Save(dir.Path, tensors, maxShardBytes: 1030);
        }

        string index = dir.File(SafetensorsCheckpoint.IndexFileName);
        byte[] original = File.ReadAllBytes(index);
        Assert.Contains("model-00002-of-00003.safetensors", Encoding.UTF8.GetString(original), StringComparison.Ordinal);
        byte[][] corpus =
        [
            original,
            Encoding.UTF8.GetBytes("""{"metadata":{"total_size":1},"weight_map":{"a.weight":"../model-00001-of-00003.safetensors","b.weight":"/etc/passwd","c.bias":"./model-00003-of-00003.safetensors"}}"""),
        ];
        var report = FuzzRunner.Run(
            "shard-index",
            FuzzRunner.Iterations(1500),
            FuzzRunner.Seed(13),
            (m, i) => i % 4 == 0 ? m.MutateBytes(corpus[i % 8 == 0 ? 0 : 1], corpus) : Encoding.UTF8.GetBytes(m.MutateJson(Encoding.UTF8.GetString(corpus[m.Random.Next(2)]))),
            input =>
            {
                File.WriteAllBytes(index, input);
                using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
                foreach (string name in checkpoint.TensorNames)
                {
                    Assert.StartsWith(dir.Path, checkpoint.GetInfo(name).FilePath, StringComparison.Ordinal);
                }
            },
            ex => ex switch
            {
                CheckpointException or FileNotFoundException when ex.Message.Contains(index, StringComparison.Ordinal) => null,
                CheckpointException c when c.FilePath is { } f && f.StartsWith(dir.Path, StringComparison.Ordinal) && ex.Message.Contains(f, StringComparison.Ordinal) => null,
                CheckpointException or FileNotFoundException => "the message names neither the index nor a file in the folder",
                _ => $"{ex.GetType().Name} is not a documented exception",
            });

        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(CheckpointException)) > report.Total / 10, report.ToString());
    }
}
