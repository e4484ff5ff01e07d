using Plus.Baselines.Trainers;
using Plus.Prompts;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;

namespace Plus.Baselines.Tests.Trainers;

public class BaselineTrainersTests
{
    private static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    private static ConditionedRewardModel NewRewardModel(HfTokenizer tokenizer) => new(
        RewardModel.FromPretrained(ModelDir, newHeadSeed: 1),
        new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets))));

    [Theory]
    [InlineData("BTL", ConditioningKind.None)]
    [InlineData("ICL", ConditioningKind.Context)]
    [InlineData("Oracle", ConditioningKind.Oracle)]
    public void Reward_model_baselines_carry_the_paper_name_and_conditioning(string name, ConditioningKind kind)
    {
        var trainer = BaselineTrainers.RewardModelBaseline(name, () => throw new InvalidOperationException("not built until training"), o => o.Kind = ConditioningKind.Summary);
        Assert.Equal(name, trainer.Name);
        Assert.Equal(kind, trainer.Kind);
    }

    [Fact]
    public void An_unknown_name_lists_the_valid_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => BaselineTrainers.RewardModelBaseline("VPL", () => null!));
        Assert.Contains("BTL, ICL or Oracle", ex.Message);
    }

    [Fact]
    public void Plus_untrained_never_trains_the_summarizer_even_when_the_options_say_so()
    {
        var tokenizer = HfTokenizer.Load(ModelDir);
        using var summarizer = CausalLM.FromPretrained(ModelDir);
        using var rewardModel = NewRewardModel(tokenizer);
        var options = new PlusTrainerOptions { TrainSummarizer = true };
        using var trainer = BaselineTrainers.PlusUntrained(summarizer, tokenizer, rewardModel, options);
        Assert.Equal("PLUS-untrained", trainer.Name);
        Assert.Null(trainer.SummarizerAdapter);
        Assert.True(options.TrainSummarizer, "the caller's options are not changed");
    }
}
