using Plus.Data;
using Plus.Torch.Reward;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Torch.Tests.Reward;

/// <summary>
/// The Bradley-Terry trainers (BTL, ICL, Oracle) count the reward inputs cut to the encoder's MaxLength in every
/// step's <c>truncated</c> metric and say so once per run, as the PLUS trainer does; a MaxLength above the model's
/// positions is capped and announced once.
/// </summary>
public class BradleyTerryTruncationNoticeTests
{
    private static readonly DatasetSplit Data = RewardFixture.SmallPets(16, 4, seed: 5);

    private sealed class SyncProgress(List<TrainingProgress> reports) : IProgress<TrainingProgress>
    {
        public void Report(TrainingProgress value) => reports.Add(value);
    }

    private static BradleyTerryOptions Options(ConditioningKind kind = ConditioningKind.Context) => new() { Kind = kind, Epochs = 1, BatchSize = 4, LearningRate = 1e-3, Seed = 3 };

    [Fact]
    public async Task ICL_inputs_cut_to_the_encoders_max_length_are_counted_every_step_and_announced_once()
    {
        var reports = new List<TrainingProgress>();
        // Three-pair ICL contexts are far longer than 64 tokens: every step cuts.
        var trainer = new BradleyTerryTrainer(Options(), () => RewardFixture.TinyModel(seed: 9, maxLength: 64));
        using var model = await trainer.TrainModelAsync(Data.Train, null, new SyncProgress(reports));

        var steps = reports.Where(r => r.Message is null && r.Metrics.ContainsKey("truncated")).ToList();
        Assert.NotEmpty(steps);
        Assert.All(steps, r => Assert.True(r.Metrics["truncated"] > 0, $"step {r.Step}: nothing cut"));
        var notice = Assert.Single(reports, r => r.Message?.Contains("were cut", StringComparison.Ordinal) == true);
        Assert.Contains("ICL: at step 1,", notice.Message, StringComparison.Ordinal);
        Assert.Contains("MaxLength 64", notice.Message, StringComparison.Ordinal);
        Assert.DoesNotContain(reports, r => r.Message?.Contains("is more than the reward model's", StringComparison.Ordinal) == true);
    }

    [Fact]
    public async Task Inputs_that_fit_give_no_notice_and_a_capped_max_length_is_announced_once()
    {
        var reports = new List<TrainingProgress>();
        var config = RewardFixture.TinyConfig() with { MaxPositionEmbeddings = 512 };
        var trainer = new BradleyTerryTrainer(Options(ConditioningKind.None), () =>
            new ConditionedRewardModel(RewardModel.Create(config, 9), RewardFixture.Encoder(maxLength: 1024), 16));
        using var model = await trainer.TrainModelAsync(Data.Train, null, new SyncProgress(reports));

        Assert.DoesNotContain(reports, r => r.Message?.Contains("were cut", StringComparison.Ordinal) == true);
        var cap = Assert.Single(reports, r => r.Message?.Contains("is more than the reward model's 512 positions", StringComparison.Ordinal) == true);
        Assert.Contains("MaxLength 1024", cap.Message, StringComparison.Ordinal);
    }
}
