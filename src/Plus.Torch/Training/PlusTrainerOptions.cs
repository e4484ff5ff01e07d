using System.ComponentModel.DataAnnotations;
using Plus.Prompts;
using Plus.Torch.Rl;

namespace Plus.Torch.Training;

/// <summary>
/// Options of the PLUS co-trainer (paper Algorithm 1). The defaults are sized for the embedded tiny model on a CPU;
/// <see cref="Paper"/> returns the paper's values for 0.5B-3B models (appendix B, table 9).
/// </summary>
public sealed class PlusTrainerOptions : IValidatableOptions
{
    /// <summary>The prompt domain of the summarizer and the reward model (default Pets).</summary>
    public PromptDomain Domain { get; set; } = PromptDomain.Pets;

    /// <summary>
    /// The summarizer's HF model folder when the trainer is built from DI (null: the backend's
    /// <c>Plus:Torch:ModelPath</c>). The summarizer's tokenizer is read from the same folder.
    /// </summary>
    public string? SummarizerModelPath { get; set; }

    /// <summary>False gives the PLUS-untrained ablation: the summarizer is never updated (default true).</summary>
    public bool TrainSummarizer { get; set; } = true;

    /// <summary>Passes over the training examples (default 1).</summary>
    [Range(1, 1000)]
    public int Epochs { get; set; } = 1;

    /// <summary>Examples per rollout: summaries generated, PPO batch and reward-model batch (paper: 256, 128 for Pets; tiny default 32).</summary>
    [Range(1, 100_000)]
    public int RolloutBatchSize { get; set; } = 32;

    /// <summary>Pairs per reward-model optimizer step within a rollout batch (default 32).</summary>
    [Range(1, 100_000)]
    public int RewardMiniBatchSize { get; set; } = 32;

    /// <summary>
    /// Most padded tokens per reward-model forward in the reward-model update
    /// (<see cref="BradleyTerryStep.MaxTokensPerMicroBatch"/>; default
    /// <see cref="BradleyTerryOptions.DefaultMaxTokensPerMicroBatch"/>, 0 = off): bounds the update's activation memory on
    /// long texts; a mini-batch within it runs whole, exactly as without a budget.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int RewardMaxTokensPerMicroBatch { get; set; } = BradleyTerryOptions.DefaultMaxTokensPerMicroBatch;

    /// <summary>The largest number of summary tokens (paper: 256; tiny default 24).</summary>
    [Range(1, 4096)]
    public int MaxSummaryTokens { get; set; } = 24;

    /// <summary>
    /// Sampling temperature of the summarizer during training and evaluation (paper: 1.0; tiny default 0.2: the
    /// 1.6M-parameter default model's distribution is far flatter than an instruct model's, and at 1.0 most of its
    /// samples are generic or garbled, so the reward model has too few informative summaries to learn from). PPO
    /// computes log-probs at the same temperature.
    /// </summary>
    [Range(0.0, 10.0)]
    public double Temperature { get; set; } = 0.2;

    /// <summary>Actor (summarizer LoRA) peak learning rate (paper: 5e-7 for a 3B model; tiny default 5e-4).</summary>
    [Range(0.0, 1.0)]
    public double ActorLearningRate { get; set; } = 5e-4;

    /// <summary>Critic peak learning rate (paper: 9e-6; tiny default 1e-3).</summary>
    [Range(0.0, 1.0)]
    public double CriticLearningRate { get; set; } = 1e-3;

    /// <summary>Reward-model peak learning rate (paper: 9e-6; tiny default 5e-4).</summary>
    [Range(0.0, 1.0)]
    public double RewardLearningRate { get; set; } = 5e-4;

    /// <summary>KL coefficient β of the per-token penalty (paper: 0.01, 0.001 for Pets; tiny default 0.02).</summary>
    [Range(0.0, 100.0)]
    public double KlCoefficient { get; set; } = 0.02;

    /// <summary>
    /// Steps at the start during which PPO trains the critic but not the summarizer, while the reward model learns to
    /// read the untrained summarizer's summaries (OpenRLHF's <c>freezing_actor_steps</c>; default 0). Until the reward
    /// model reads summaries the summarizer's reward is noise, and whitened noise moves a small policy anywhere.
    /// </summary>
    [Range(0, int.MaxValue)]
    public int FreezeSummarizerSteps { get; set; }

    /// <summary>
    /// Anchor pairs mixed into every reward-model update (default 0: none): the trainer's <c>rewardAnchors</c>, pairs whose
    /// conditioning is a known summary (for example <see cref="Plus.Data.RewardWarmStartBuilder"/> pairs about other
    /// subjects), taken in turn, this many per step, as one more reward-model mini-batch after the users' pairs. They keep
    /// a warm-started reward model's rule "prefer the response about what the summary names" while it learns the
    /// training users, who alone would let it memorize their few subjects (issue 15, docs/plus.md).
    /// </summary>
    [Range(0, 100_000)]
    public int RewardAnchorsPerStep { get; set; }

    /// <summary>
    /// Label smoothing ε of the reward model's Bradley-Terry loss in Algorithm 1 (<see cref="BradleyTerryStep.LabelSmoothing"/>;
    /// default 0), in [0, 0.5).
    /// </summary>
    [Range(0.0, 0.4999)]
    public double RewardLabelSmoothing { get; set; }

    /// <summary>Use the adaptive KL controller of Ziegler et al. instead of the fixed β (default false, as the paper).</summary>
    public bool AdaptiveKl { get; set; }

    /// <summary>Target KL of the adaptive controller (default 0.1).</summary>
    [Range(0.0, 100.0)]
    public double TargetKl { get; set; } = 0.1;

    /// <summary>Horizon of the adaptive controller in rollout rows (default 10000).</summary>
    [Range(1, int.MaxValue)]
    public int KlHorizon { get; set; } = 10_000;

    /// <summary>PPO settings (clip 0.2, value clip 0.2, γ 1, λ 0.95, k1 KL, whitened advantages; tiny minibatch 16).</summary>
    public PpoSettings Ppo { get; set; } = new() { MiniBatchSize = 16 };

    /// <summary>LoRA rank of the summarizer adapter (default 8).</summary>
    [Range(1, 1024)]
    public int LoraRank { get; set; } = 8;

    /// <summary>LoRA alpha of the summarizer adapter (default 16).</summary>
    [Range(0.0, 4096.0)]
    public double LoraAlpha { get; set; } = 16;

    /// <summary>Warm-up fraction of the cosine schedules (paper: 0.03).</summary>
    [Range(0.0, 1.0)]
    public double WarmupFraction { get; set; } = 0.03;

    /// <summary>Floor of the cosine schedules as a fraction of the peak (paper: 0.1).</summary>
    [Range(0.0, 1.0)]
    public double MinLearningRateRatio { get; set; } = 0.1;

    /// <summary>Seed of sampling, shuffling and initialization; null (default) takes <c>Plus:Seed</c> through DI, else 42.</summary>
    [Range(0, int.MaxValue)]
    public int? Seed { get; set; }

    /// <summary>The seed in effect: <see cref="Seed"/> or 42.</summary>
    public int EffectiveSeed => Seed ?? 42;

    /// <summary>Evaluate on the held-out examples every this many steps (0, the default: only after the last step).</summary>
    [Range(0, int.MaxValue)]
    public int EvalEvery { get; set; }

    /// <summary>Where checkpoints go (null: none). A run pointed at a folder with a checkpoint resumes from it.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every this many steps (default 10) and at the end.</summary>
    [Range(1, int.MaxValue)]
    public int CheckpointEvery { get; set; } = 10;

    /// <summary>Checkpoints kept (default 2).</summary>
    [Range(1, 1000)]
    public int KeepCheckpoints { get; set; } = 2;

    /// <summary>The metrics JSONL file (null: none); one line per step.</summary>
    public string? MetricsPath { get; set; }

    /// <summary>The tiny-model values (the defaults): sized for the embedded default model on a CPU.</summary>
    /// <param name="domain">The prompt domain.</param>
    /// <returns>New options.</returns>
    public static PlusTrainerOptions Tiny(PromptDomain domain) => new() { Domain = domain };

    /// <summary>The paper's values (appendix B, table 9) for a domain; Pets uses a KL of 0.001 and batches of 128/32.</summary>
    public static PlusTrainerOptions Paper(PromptDomain domain) => new()
    {
        Domain = domain,
        RolloutBatchSize = domain == PromptDomain.Pets ? 128 : 256,
        RewardMiniBatchSize = domain == PromptDomain.Pets ? 128 : 256,
        MaxSummaryTokens = 256,
        Temperature = 1.0,
        ActorLearningRate = 5e-7,
        CriticLearningRate = 9e-6,
        RewardLearningRate = 9e-6,
        KlCoefficient = domain == PromptDomain.Pets ? 0.001 : 0.01,
        Ppo = new PpoSettings { MiniBatchSize = domain == PromptDomain.Pets ? 32 : 128 },
    };

    /// <summary>A copy of these options (the PPO settings are immutable and shared).</summary>
    public PlusTrainerOptions Clone() => (PlusTrainerOptions)MemberwiseClone();

    /// <inheritdoc />
    /// <remarks>The data annotations and the PPO settings; messages name the option as <c>Plus:Training:Name</c>.</remarks>
    public IReadOnlyList<string> Validate()
    {
        var results = new List<ValidationResult>();
        Validator.TryValidateObject(this, new ValidationContext(this), results, validateAllProperties: true);
        var errors = results.Select(r => $"Plus:Training:{string.Join(",", r.MemberNames)}: {r.ErrorMessage}").ToList();
        if (Ppo is null)
        {
            errors.Add("Plus:Training:Ppo must not be null.");
        }
        else
        {
            try
            {
                Ppo.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                errors.Add($"Plus:Training:Ppo:{ex.ParamName} {ex.ActualValue} {ex.Message.Split(" (Parameter")[0]}");
            }
        }

        return errors;
    }
}
