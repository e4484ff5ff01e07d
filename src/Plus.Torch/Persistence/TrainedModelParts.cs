using System.Text.Json.Nodes;
using Plus.Torch.Lora;
using Plus.Torch.Reward;
using Plus.Torch.Summarization;
using Plus.Training;

namespace Plus.Torch.Persistence;

/// <summary>What a <see cref="TrainedModel"/> is made of; trainers fill it in.</summary>
public sealed record TrainedModelParts
{
    /// <summary>The method name (see <see cref="PreferenceMethods"/>).</summary>
    public required string Name { get; init; }

    /// <summary>How the reward model sees the user.</summary>
    public required ConditioningKind Conditioning { get; init; }

    /// <summary>The trained, conditioned reward model.</summary>
    public required ConditionedRewardModel RewardModel { get; init; }

    /// <summary>The summarizer (summary conditioning only).</summary>
    public TorchUserSummarizer? Summarizer { get; init; }

    /// <summary>The summarizer's trained LoRA adapter (PLUS); null when the summarizer is the base model (PLUS-untrained).</summary>
    public LoraAdapter? SummarizerAdapter { get; init; }

    /// <summary>How the model was trained.</summary>
    public required TrainingMetadata Metadata { get; init; }

    /// <summary>The trainer's options, recorded in the manifest for reference.</summary>
    public JsonObject? TrainingOptions { get; init; }

    /// <summary>What the model disposes with itself (models it loaded); empty when the caller keeps owning them.</summary>
    public IReadOnlyList<IDisposable> Owned { get; init; } = [];
}
