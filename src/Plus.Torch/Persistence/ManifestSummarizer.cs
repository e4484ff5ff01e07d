namespace Plus.Torch.Persistence;

/// <summary>The manifest's <c>summarizer</c> entry: the summarizer's weights and the sampling it was trained with.</summary>
/// <param name="Path">The adapter's sub-folder (<c>summarizer</c>), or null when the summarizer is the base model unchanged (PLUS-untrained).</param>
/// <param name="Format"><c>peft-lora</c> (a PEFT causal-LM adapter) or <c>base</c> (the base model as it is).</param>
/// <param name="BaseModel">The base model.</param>
/// <param name="ChatFormat">The chat format of its prompts.</param>
/// <param name="DefaultSystemMessage">ChatML's inserted system message, if any.</param>
/// <param name="Sampling">How it writes summaries (used again after loading unless the loader is told otherwise).</param>
public sealed record ManifestSummarizer(
    string? Path, string Format, ModelReference BaseModel, string ChatFormat, string? DefaultSystemMessage, ManifestSampling Sampling);
