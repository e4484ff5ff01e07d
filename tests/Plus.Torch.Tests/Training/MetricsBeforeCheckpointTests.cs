using System.Text.Json.Nodes;
using Plus.Torch.Lora;
using Plus.Torch.Tests.Reward;
using Plus.Torch.Training;

namespace Plus.Torch.Tests.Training;

/// <summary>
/// A step's metrics line is on disk before its checkpoint is written. In the other order a process killed right after
/// the checkpoint was published lost that line for good: the resume starts after the checkpoint's step and cuts the
/// file back to it (the BTL kill -9 test in Plus.Cli.Tests found a metrics.jsonl without its step 12).
/// </summary>
[Collection(TorchGlobalRngCollection.Name)]
public sealed class MetricsBeforeCheckpointTests
{
    [Fact]
    public async Task Each_checkpoint_is_written_after_the_metrics_line_of_its_step()
    {
        using var dir = new TempDirectory();
        string metricsPath = Path.Combine(dir.Path, "metrics.jsonl");
        var data = RewardFixture.SmallPets(24, 8, seed: 3);
        var options = new BradleyTerryOptions
        {
            Epochs = 1, BatchSize = 4, LearningRate = 3e-3, Seed = 11, CheckpointDirectory = dir.Path, CheckpointEvery = 2,
            MetricsPath = metricsPath, Lora = new LoraSettings { Rank = 2, Alpha = 4 },
        };

        // Through the writers' seam: when a checkpoint's first file is opened, which steps does metrics.jsonl hold?
        var seen = new Dictionary<int, int[]>();
        AtomicFile.WriteInterceptor.Value = (path, stream) =>
        {
            var folder = Path.GetFileName(Path.GetDirectoryName(path)!);
            var match = System.Text.RegularExpressions.Regex.Match(folder, @"step-(\d{8})");
            if (match.Success && path.Contains(".staging-", StringComparison.Ordinal))
            {
                int step = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
                if (!seen.ContainsKey(step))
                {
                    using var reader = new StreamReader(new FileStream(metricsPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite));
                    seen[step] = [.. reader.ReadToEnd().Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => (int)JsonNode.Parse(l)!["step"]!)];
                }
            }

            return stream;
        };
        try
        {
            using var model = await new BradleyTerryTrainer(options, () => RewardFixture.TinyModel(seed: 21)).TrainModelAsync(data.Train);
        }
        finally
        {
            AtomicFile.WriteInterceptor.Value = null;
        }

        Assert.Equal([2, 4, 6], seen.Keys.Order());
        foreach (var (step, lines) in seen)
        {
            Assert.Equal(Enumerable.Range(1, step), lines);
        }
    }
}
