namespace Plus.Torch;

/// <summary>
/// Options of the TorchSharp backend, bound from <c>Plus:Torch</c>: which model and tokenizer to load, on which
/// device, and how reward-model inputs are built. Checked at start-up by <see cref="TorchBackendOptionsValidator"/>.
/// </summary>
public sealed class TorchBackendOptions
{
    /// <summary>The configuration section: <c>Plus:Torch</c>.</summary>
    public const string SectionName = "Plus:Torch";

    /// <summary>
    /// A Hugging Face model folder (<c>config.json</c> + safetensors): a reward model (<c>*ForSequenceClassification</c>
    /// with <c>score.weight</c>) or a causal LM, which then gets a fresh reward head drawn with <see cref="HeadSeed"/> for
    /// training. Null (default) uses the embedded default model (<c>DefaultModels.ExtractTinyQwen2()</c>).
    /// </summary>
    public string? ModelPath { get; set; }

    /// <summary>An optional PEFT LoRA adapter folder loaded on top of <see cref="ModelPath"/> (with its <c>score</c> head when saved).</summary>
    public string? AdapterPath { get; set; }

    /// <summary>The folder or file of <c>tokenizer.json</c>; null uses <see cref="ModelPath"/>.</summary>
    public string? TokenizerPath { get; set; }

    /// <summary>The device: <c>cpu</c> (default), <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>.</summary>
    public string Device { get; set; } = "cpu";

    /// <summary>
    /// The parameter dtype of every model the backend loads (reward models, summarizers, the chat client): <c>auto</c>
    /// (default: bf16 on CUDA, fp32 on the CPU), <c>float32</c>, <c>bfloat16</c> or <c>float16</c>.
    /// </summary>
    public string DType { get; set; } = "auto";

    /// <summary>The chat format (<c>chatml</c>, <c>llama3</c>); null recognizes it from the tokenizer's chat template.</summary>
    public string? ChatFormat { get; set; }

    /// <summary>For ChatML, a system message inserted when a conversation has none (Qwen2/2.5 templates do); null inserts none.</summary>
    public string? DefaultSystemMessage { get; set; }

    /// <summary>The most tokens a reward-model input may hold before it is truncated (default 1024).</summary>
    public int MaxSequenceLength { get; set; } = 1024;

    /// <summary>Sequences per forward when scoring (default 16).</summary>
    public int ScoreBatchSize { get; set; } = 16;

    /// <summary>Seeds the new reward head when <see cref="ModelPath"/> is a causal LM (default 0).</summary>
    public int HeadSeed { get; set; }
}
