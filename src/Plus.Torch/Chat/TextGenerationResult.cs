using Plus.Torch.Generation;

namespace Plus.Torch.Chat;

/// <summary>
/// The result of <see cref="TextGenerator.GenerateWithTensors"/>: the text completions together with the batched
/// <see cref="GenerationOutput"/> tensors (sequence ids, attention mask, new-token mask, log-probs) that training
/// needs. Owns the output: dispose it.
/// </summary>
public sealed class TextGenerationResult : IDisposable
{
    internal TextGenerationResult(IReadOnlyList<string> promptTexts, IReadOnlyList<TextCompletion> completions, GenerationOutput output)
    {
        PromptTexts = promptTexts;
        Completions = completions;
        Output = output;
    }

    /// <summary>The prompt text of each row, as encoded (chat-formatted when the call took conversations).</summary>
    public IReadOnlyList<string> PromptTexts { get; }

    /// <summary>One completion per row, in the order of the prompts.</summary>
    public IReadOnlyList<TextCompletion> Completions { get; }

    /// <summary>The token-level output; its tensors are owned by this result.</summary>
    public GenerationOutput Output { get; }

    /// <inheritdoc />
    public void Dispose() => Output.Dispose();
}
