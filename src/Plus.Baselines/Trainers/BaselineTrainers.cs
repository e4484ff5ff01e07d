using Microsoft.Extensions.Logging;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;
using Plus.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// Every comparison row of the paper's Table 1 under its paper name: BTL (no user information), DPL (a distributional
/// reward, <see cref="DplTrainer"/>), VPL (a latent user variable from the context, <see cref="VplTrainer"/>), ICL (the
/// past pairs in the reward model's prompt), PLUS-untrained (summaries of a frozen summarizer) and Oracle (the true
/// preference text). PLUS itself is Plus.Torch's <see cref="PlusTrainer"/>. In DI: <c>AddBradleyTerryTrainers</c>
/// (BTL, ICL, Oracle), <c>AddDplTrainer</c>, <c>AddVplTrainer</c>, <c>AddPlusTrainers</c> (PLUS, PLUS-untrained).
/// </summary>
public static class BaselineTrainers
{
    /// <summary>The method names this class builds, in the paper's order.</summary>
    public static IReadOnlyList<string> Names { get; } = [PreferenceMethods.Btl, PreferenceMethods.Dpl, PreferenceMethods.Vpl, PreferenceMethods.Icl, PreferenceMethods.PlusUntrained, PreferenceMethods.Oracle];

    /// <summary>A DPL trainer (mean-variance by default; see <see cref="DplTrainerOptions"/>).</summary>
    /// <param name="modelFactory">Builds a fresh reward model for each run (its backbone is trained; its scalar head is unused).</param>
    /// <param name="configure">Adjusts the options.</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="ownsModels">True when the trained model should dispose the factory's model.</param>
    /// <returns>The trainer.</returns>
    public static DplTrainer Dpl(Func<ConditionedRewardModel> modelFactory, Action<DplTrainerOptions>? configure = null, ILogger<DplTrainer>? logger = null, bool ownsModels = true)
    {
        ArgumentNullException.ThrowIfNull(modelFactory);
        var options = new DplTrainerOptions();
        configure?.Invoke(options);
        return new DplTrainer(options, modelFactory, logger, ownsModels: ownsModels);
    }

    /// <summary>A VPL trainer (the anchor's Pets defaults; see <see cref="VplTrainerOptions"/>).</summary>
    /// <param name="modelFactory">Builds the frozen backbone for each run.</param>
    /// <param name="configure">Adjusts the options.</param>
    /// <param name="logger">Optional logger.</param>
    /// <param name="ownsModels">True when the trained model should dispose the factory's model.</param>
    /// <returns>The trainer.</returns>
    public static VplTrainer Vpl(Func<ConditionedRewardModel> modelFactory, Action<VplTrainerOptions>? configure = null, ILogger<VplTrainer>? logger = null, bool ownsModels = true)
    {
        ArgumentNullException.ThrowIfNull(modelFactory);
        var options = new VplTrainerOptions();
        configure?.Invoke(options);
        return new VplTrainer(options, modelFactory, logger, ownsModels: ownsModels);
    }

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
            _ => throw new ArgumentException($"'{name}' is not a Bradley-Terry baseline; use BTL, ICL or Oracle (DPL: {nameof(Dpl)}, VPL: {nameof(Vpl)}, PLUS-untrained: {nameof(PlusUntrained)}).", nameof(name)),
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
