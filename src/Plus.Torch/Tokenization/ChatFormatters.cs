namespace Plus.Torch.Tokenization;

/// <summary>Picks an <see cref="IChatFormatter"/> by name or from a model's Jinja <c>chat_template</c>.</summary>
public static class ChatFormatters
{
    /// <summary>The names <see cref="FromName"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = ["chatml", "llama3"];

    /// <summary>Creates a formatter by name: <c>chatml</c> (Qwen) or <c>llama3</c> (case-insensitive).</summary>
    /// <param name="name">The format name.</param>
    /// <param name="defaultSystemMessage">For ChatML, a system message inserted when a conversation has none (see <see cref="ChatMlFormatter"/>).</param>
    /// <returns>The formatter.</returns>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static IChatFormatter FromName(string name, string? defaultSystemMessage = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        return name.Trim().ToLowerInvariant() switch
        {
            "chatml" => new ChatMlFormatter(defaultSystemMessage),
            "llama3" => new Llama3Formatter(),
            _ => throw new ArgumentException($"Unknown chat format '{name}'; valid names: {string.Join(", ", Names)}.", nameof(name)),
        };
    }

    /// <summary>
    /// Recognizes the format of a Jinja chat template: one that writes <c>&lt;|im_start|&gt;</c> is ChatML, one that
    /// writes <c>&lt;|start_header_id|&gt;</c> is Llama 3. The template is not executed.
    /// </summary>
    /// <param name="chatTemplate">The template text (the <c>chat_template</c> of <c>tokenizer_config.json</c>).</param>
    /// <param name="source">Where the template came from, for the error message.</param>
    /// <param name="defaultSystemMessage">For ChatML, a system message inserted when a conversation has none.</param>
    /// <returns>The formatter.</returns>
    /// <exception cref="InvalidOperationException">The template is missing or of neither kind; pass a formatter explicitly then.</exception>
    public static IChatFormatter FromChatTemplate(string? chatTemplate, string? source = null, string? defaultSystemMessage = null)
    {
        string where = source is null ? "the chat template" : $"the chat template of '{source}'";
        if (string.IsNullOrWhiteSpace(chatTemplate))
        {
            throw new InvalidOperationException($"There is no chat template ({source ?? "none given"}); pass an IChatFormatter explicitly (new ChatMlFormatter() for Qwen, new Llama3Formatter() for Llama 3).");
        }

        if (chatTemplate.Contains("<|im_start|>", StringComparison.Ordinal))
        {
            return new ChatMlFormatter(defaultSystemMessage);
        }

        if (chatTemplate.Contains("<|start_header_id|>", StringComparison.Ordinal))
        {
            return new Llama3Formatter();
        }

        throw new InvalidOperationException($"The format of {where} is not recognized (it writes neither <|im_start|> nor <|start_header_id|>); pass an IChatFormatter explicitly (supported: {string.Join(", ", Names)}).");
    }

    /// <summary>Recognizes the format of a tokenizer's <see cref="HfTokenizer.ChatTemplate"/> (see <see cref="FromChatTemplate"/>).</summary>
    /// <param name="tokenizer">The tokenizer.</param>
    /// <param name="defaultSystemMessage">For ChatML, a system message inserted when a conversation has none.</param>
    /// <returns>The formatter.</returns>
    /// <exception cref="InvalidOperationException">The tokenizer has no chat template, or one of neither kind.</exception>
    public static IChatFormatter ForTokenizer(HfTokenizer tokenizer, string? defaultSystemMessage = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return FromChatTemplate(tokenizer.ChatTemplate, tokenizer.Source, defaultSystemMessage);
    }
}
