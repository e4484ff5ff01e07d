using Plus.Baselines.Tests.Fixtures;
using Plus.Baselines.Trainers;
using Plus.Baselines.Vpl;
using Plus.Torch.Reward;
using Plus.Training;

namespace Plus.Baselines.Tests.Trainers;

/// <summary>
/// DPL and VPL count the inputs cut to the reward encoder's MaxLength in every step's <c>truncated</c> metric and say so
/// once per run, with the same notices as the Bradley-Terry and PLUS trainers (one <c>RewardTruncationNotices</c>);
/// a MaxLength above the backbone's positions is capped and announced once.
/// </summary>
public class DplVplTruncationNoticeTests
{
    private const int Positions = 2048; // tests/fixtures/tiny-chat config max_position_embeddings

    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    private static ConditionedRewardModel Model(int maxLength) =>
        new(RewardModel.FromPretrained(TinyModels.ModelDir, newHeadSeed: 1), TinyModels.Encoder(maxLength));

    private static async Task<List<TrainingProgress>> TrainAsync(string method, int maxLength)
    {
        var reports = new List<TrainingProgress>();
        var data = TinyModels.SmallPets(16);
        if (method == "DPL")
        {
            var trainer = BaselineTrainers.Dpl(() => Model(maxLength), o => Small(o.Training));
            using var model = await trainer.TrainModelAsync(data.Train, null, new SyncProgress(reports));
        }
        else
        {
            var trainer = BaselineTrainers.Vpl(() => Model(maxLength), o =>
            {
                o.Vpl = new VplOptions { LatentSize = 8, HiddenSize = 16, Seed = 1 };
                Small(o.Training);
            });
            using var model = await trainer.TrainModelAsync(data.Train, null, new SyncProgress(reports));
        }

        return reports;
    }

    private static void Small(Plus.Torch.Training.BradleyTerryOptions o)
    {
        o.Epochs = 1;
        o.BatchSize = 8;
        o.LearningRate = 1e-3;
        o.Seed = 3;
    }

    [Theory]
    [InlineData("DPL")]
    [InlineData("VPL")]
    public async Task Inputs_cut_to_the_encoders_max_length_are_counted_and_announced_once(string method)
    {
        // A Pets prompt + response is longer than 16 tokens: every text is cut.
        var reports = await TrainAsync(method, maxLength: 16);

        var steps = reports.Where(r => r.Message is null && r.Metrics.ContainsKey("loss")).ToList();
        Assert.Equal(2, steps.Count);
        Assert.All(steps, r => Assert.True(r.Metrics["truncated"] > 0, $"{method} step {r.Step}: nothing counted as cut"));
        var notice = Assert.Single(reports, r => r.Message?.Contains("were cut", StringComparison.Ordinal) == true);
        Assert.StartsWith($"{method}: at step 1, ", notice.Message, StringComparison.Ordinal);
        Assert.Contains("MaxLength 16 tokens", notice.Message, StringComparison.Ordinal);
        Assert.Contains($"{(long)steps[0].Metrics["truncated"]} reward-model inputs", notice.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reports, r => r.Message?.Contains("is more than the reward model's", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("DPL")]
    [InlineData("VPL")]
    public async Task Inputs_that_fit_give_no_notice_and_a_capped_max_length_is_announced_once(string method)
    {
        var reports = await TrainAsync(method, maxLength: 4096);

        Assert.All(reports.Where(r => r.Message is null && r.Metrics.ContainsKey("loss")), r => Assert.Equal(0, r.Metrics["truncated"]));
        Assert.DoesNotContain(reports, r => r.Message?.Contains("were cut", StringComparison.Ordinal) == true);
        var cap = Assert.Single(reports, r => r.Message?.Contains($"is more than the reward model's {Positions} positions", StringComparison.Ordinal) == true);
        Assert.StartsWith($"{method}: the reward encoder's MaxLength 4096", cap.Message, StringComparison.Ordinal);
        Assert.Contains($"cut to {Positions} tokens", cap.Message, StringComparison.Ordinal);
    }
}
