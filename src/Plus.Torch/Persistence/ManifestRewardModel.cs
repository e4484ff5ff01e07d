namespace Plus.Torch.Persistence;

/// <summary>The manifest's <c>reward_model</c> entry: where the reward model is and how its inputs are built.</summary>
/// <param name="Path">The sub-folder (<c>reward_model</c>).</param>
/// <param name="Format"><c>hf-sequence-classification</c> (a full transformers folder) or <c>peft-lora</c> (an adapter with the head in <c>modules_to_save</c>).</param>
/// <param name="BaseModel">The adapter's base model (<c>peft-lora</c> only).</param>
/// <param name="MaxSequenceLength">The most tokens of one input before truncation.</param>
/// <param name="ScoreBatchSize">Sequences per forward when scoring.</param>
/// <param name="ChatFormat">The chat format of the inputs (<c>chatml</c>, <c>llama3</c>).</param>
/// <param name="DefaultSystemMessage">ChatML's inserted system message, if any.</param>
/// <param name="SubjectLines">True when the encoder reads summaries and Oracle texts with capitalized words at line starts (<c>RewardTextEncoder.SubjectLines</c>); absent when false.</param>
public sealed record ManifestRewardModel(
    string Path, string Format, ModelReference? BaseModel, int MaxSequenceLength, int ScoreBatchSize, string ChatFormat, string? DefaultSystemMessage,
    [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingDefault)] bool SubjectLines = false);
