using Microsoft.Extensions.Logging;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// The paper's comparison rows (table 1) that are built from the Plus.Torch trainers, under their paper names:
/// BTL (no user information), ICL (the past pairs in the reward model's prompt), Oracle (the true preference
/// text) and PLUS-untrained (summaries of a frozen summarizer). DPL and VPL are not implemented yet.
/// </summary>
public static class BaselineTrainers
{
    /// <summary>The method names this class builds, in the paper's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [PreferenceMethods.Btl, PreferenceMethods.Icl, PreferenceMethods.PlusUntrained, PreferenceMethods.Oracle];

    /// <summary>A Bradley-Terry trainer for BTL, ICL or Oracle.</summary>
    /// <param name="name">"BTL", "ICL" or "Oracle".</param>
    /// <param name="modelFactory">Builds a fresh reward model for each run.</param>
    /// <param name="configure">Adjusts the options (the kind and name are set from <paramref name="name"/>).</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="ownsModels">True when the trained model should dispose the factory's model.</param>
    /// <returns>The trainer.</returns>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not one of the three.</exception>
    public static BradleyTerryTrainer RewardModelBaseline(
        string name, Func<ConditionedRewardModel> modelFactory, Action<BradleyTerryOptions>? configure = null, ILogger<BradleyTerryTrainer>? logger = null, bool ownsModels = true)
    {
        ArgumentNullException.ThrowIfNull(modelFactory);
        var kind = name switch
        {
            PreferenceMethods.Btl => ConditioningKind.None,
            PreferenceMethods.Icl => ConditioningKind.Context,
            PreferenceMethods.Oracle => ConditioningKind.Oracle,
            _ => throw new ArgumentException($"'{name}' is not a reward-model baseline; use BTL, ICL or Oracle (PLUS-untrained: {nameof(PlusUntrained)}).", nameof(name)),
        };
        var options = new BradleyTerryOptions();
        configure?.Invoke(options);
        options.Kind = kind;
        options.Name = name;
        return new BradleyTerryTrainer(options, modelFactory, logger, ownsModels: ownsModels);
    }

    /// <summary>
    /// PLUS-untrained: the PLUS co-trainer with the summarizer frozen, so the reward model learns from the untrained
    /// summarizer's summaries (paper section 5 and table 1).
    /// </summary>
    /// <param name="summarizerModel">The summarizer (left unchanged).</param>
    /// <param name="tokenizer">Its tokenizer.</param>
    /// <param name="rewardModel">The reward model, trained in place.</param>
    /// <param name="options">Options (null for the defaults); <see cref="PlusTrainerOptions.TrainSummarizer"/> is forced off on a copy.</param>
    /// <param name="logger">Optional logger.</param>
    /// <returns>The trainer; dispose it after use.</returns>
    public static PlusTrainer PlusUntrained(
        CausalLM summarizerModel, HfTokenizer tokenizer, ConditionedRewardModel rewardModel, PlusTrainerOptions? options = null, ILogger? logger = null)
    {
        var copy = (options ?? new PlusTrainerOptions()).Clone();
        copy.TrainSummarizer = false;
        return new PlusTrainer(summarizerModel, tokenizer, rewardModel, copy, logger);
    }
}
