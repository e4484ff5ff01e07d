using System.Globalization;
using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Chat;

/// <summary>
/// An <see cref="IChatClient"/> over a local <see cref="CausalLM"/> (through <see cref="TextGenerator"/>), so the
/// model can be used wherever Microsoft.Extensions.AI expects a chat client: the zero-shot judge and personalizer,
/// <c>ChatClientBuilder</c> pipelines (logging, caching, telemetry), or application code.
/// </summary>
/// <remarks>
/// <para>Honoured <see cref="ChatOptions"/>: <c>MaxOutputTokens</c>, <c>Temperature</c> (0 = greedy), <c>TopP</c>,
/// <c>TopK</c>, <c>StopSequences</c>, <c>Seed</c> and <c>Instructions</c> (sent as a system turn before the messages).
/// Unset options fall back to <see cref="LocalChatClientOptions"/>. <c>ModelId</c> in a request is not used to pick a
/// model; responses report <see cref="ModelId"/>. Tools are not supported (<see cref="NotSupportedException"/>); only
/// text content is read.</para>
/// <para>Generation runs on the thread pool and is cancelled between decoding steps (an
/// <see cref="OperationCanceledException"/>). Responses carry the finish reason (<see cref="ChatFinishReason.Stop"/>
/// or <see cref="ChatFinishReason.Length"/>) and usage (prompt and generated token counts).</para>
/// <para>Thread-safety: calls may come from any thread at any time; generations on one model instance are serialized
/// by a per-model lock (shared with every other <see cref="TextGenerator"/> over the same model), so concurrent calls
/// queue rather than fail. A streaming call holds the lock until its enumeration ends or is disposed.</para>
/// </remarks>
public sealed class LocalChatClient : IChatClient
{
    /// <summary>The provider name in <see cref="ChatClientMetadata"/>.</summary>
    public const string ProviderName = "plus-sdk-local";

    private readonly LocalChatClientOptions _options;
    private readonly bool _ownsModel;
    private bool _disposed;

    /// <summary>Creates a chat client.</summary>
    /// <param name="generator">The text generator (model, tokenizer, chat format).</param>
    /// <param name="options">Defaults for requests; null uses <see cref="LocalChatClientOptions"/>' defaults.</param>
    /// <param name="ownsModel">Dispose the generator's model when this client is disposed (default false).</param>
    /// <exception cref="ArgumentException">An option is out of range; the message names it.</exception>
    public LocalChatClient(TextGenerator generator, LocalChatClientOptions? options = null, bool ownsModel = false)
    {
        ArgumentNullException.ThrowIfNull(generator);
        _options = options ?? new LocalChatClientOptions();
        var errors = _options.ValidateGenerationDefaults();
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(options));
        Generator = generator;
        _ownsModel = ownsModel;
        ModelId = string.IsNullOrWhiteSpace(_options.ModelId) ? "local" : _options.ModelId;
        Metadata = new ChatClientMetadata(ProviderName, providerUri: null, defaultModelId: ModelId);
    }

    /// <summary>The text generator this client runs.</summary>
    public TextGenerator Generator { get; }

    /// <summary>The model name reported in responses.</summary>
    public string ModelId { get; }

    /// <summary>Provider name and default model id.</summary>
    public ChatClientMetadata Metadata { get; }

    /// <inheritdoc />
    /// <exception cref="ArgumentException">No message, a message role other than system, user or assistant, or non-text content.</exception>
    /// <exception cref="NotSupportedException">The options ask for tools.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for the model or between decoding steps.</exception>
    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var conversation = ToConversation(messages, options);
        var textOptions = ToTextOptions(options);
        var completions = await Generator.GenerateAsync([conversation], textOptions, cancellationToken).ConfigureAwait(false);
        var completion = completions[0];
        string responseId = NewId();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, completion.Text) { MessageId = responseId })
        {
            ResponseId = responseId,
            ModelId = ModelId,
            CreatedAt = DateTimeOffset.UtcNow,
            FinishReason = Map(completion.FinishReason),
            Usage = Usage(completion),
        };
    }

    /// <inheritdoc />
    /// <remarks>
    /// One update per piece of new text (text that may start a stop sequence is held back until settled); the last
    /// update carries the finish reason and a <see cref="UsageContent"/>. The concatenated text equals the
    /// non-streaming response's text for the same messages, options and seed.
    /// </remarks>
    /// <exception cref="ArgumentException">No message, a message role other than system, user or assistant, or non-text content.</exception>
    /// <exception cref="NotSupportedException">The options ask for tools.</exception>
    /// <exception cref="OperationCanceledException">Cancelled while waiting for the model or between decoding steps.</exception>
    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages,
        ChatOptions? options = null,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        var conversation = ToConversation(messages, options);
        var textOptions = ToTextOptions(options);
        string responseId = NewId();
        var createdAt = DateTimeOffset.UtcNow;
        await foreach (var update in Generator.StreamAsync(conversation, textOptions, cancellationToken).ConfigureAwait(false))
        {
            if (update.Completion is { } completion)
            {
                var contents = new List<AIContent>();
                if (update.Text.Length > 0) contents.Add(new TextContent(update.Text));
                contents.Add(new UsageContent(Usage(completion)));
                yield return new ChatResponseUpdate(ChatRole.Assistant, contents)
                {
                    ResponseId = responseId,
                    MessageId = responseId,
                    ModelId = ModelId,
                    CreatedAt = createdAt,
                    FinishReason = Map(completion.FinishReason),
                };
            }
            else if (update.Text.Length > 0)
            {
                yield return new ChatResponseUpdate(ChatRole.Assistant, update.Text)
                {
                    ResponseId = responseId,
                    MessageId = responseId,
                    ModelId = ModelId,
                    CreatedAt = createdAt,
                };
            }
        }
    }

    /// <inheritdoc />
    /// <remarks>
    /// Without a key: <see cref="ChatClientMetadata"/>, this client, its <see cref="TextGenerator"/>,
    /// <see cref="CausalLM"/>, <see cref="HfTokenizer"/> and <see cref="IChatFormatter"/>.
    /// </remarks>
    public object? GetService(Type serviceType, object? serviceKey = null)
    {
        ArgumentNullException.ThrowIfNull(serviceType);
        if (serviceKey is not null) return null;
        if (serviceType == typeof(ChatClientMetadata)) return Metadata;
        if (serviceType.IsInstanceOfType(this)) return this;
        if (serviceType.IsInstanceOfType(Generator)) return Generator;
        if (serviceType.IsInstanceOfType(Generator.Model)) return Generator.Model;
        if (serviceType.IsInstanceOfType(Generator.Tokenizer)) return Generator.Tokenizer;
        if (serviceType.IsInstanceOfType(Generator.Formatter)) return Generator.Formatter;
        return null;
    }

    /// <summary>Disposes the model when this client owns it; later calls throw <see cref="ObjectDisposedException"/>.</summary>
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsModel) Generator.Model.Dispose();
    }

    /// <summary>Maps a token-level finish reason to Microsoft.Extensions.AI's.</summary>
    /// <param name="reason">The reason.</param>
    public static ChatFinishReason Map(FinishReason reason) => reason == FinishReason.Stop ? ChatFinishReason.Stop : ChatFinishReason.Length;

    private static UsageDetails Usage(TextCompletion completion) => new()
    {
        InputTokenCount = completion.PromptTokenCount,
        OutputTokenCount = completion.TokenIds.Count,
        TotalTokenCount = completion.PromptTokenCount + completion.TokenIds.Count,
    };

    private static string NewId() => Guid.NewGuid().ToString("N", CultureInfo.InvariantCulture);

    private static Conversation ToConversation(IEnumerable<ChatMessage> messages, ChatOptions? options)
    {
        ArgumentNullException.ThrowIfNull(messages);
        if (options?.Tools is { Count: > 0 })
        {
            throw new NotSupportedException($"{nameof(LocalChatClient)} does not support tools (ChatOptions.Tools has {options.Tools.Count}).");
        }

        var turns = new List<ChatTurn>();
        if (!string.IsNullOrEmpty(options?.Instructions)) turns.Add(ChatTurn.System(options.Instructions));
        int index = 0;
        foreach (var message in messages)
        {
            if (message is null) throw new ArgumentException($"messages[{index}] is null.", nameof(messages));
            if (message.Role != ChatRole.System && message.Role != ChatRole.User && message.Role != ChatRole.Assistant)
            {
                throw new ArgumentException($"messages[{index}] has role '{message.Role}'; {nameof(LocalChatClient)} renders only system, user and assistant messages.", nameof(messages));
            }

            foreach (var content in message.Contents)
            {
                if (content is not TextContent)
                {
                    throw new ArgumentException($"messages[{index}] holds {content.GetType().Name}; {nameof(LocalChatClient)} reads text content only.", nameof(messages));
                }
            }

            turns.Add(new ChatTurn(message.Role, message.Text));
            index++;
        }

        if (index == 0) throw new ArgumentException("At least one message is needed.", nameof(messages));
        return new Conversation(new ValueList<ChatTurn>(turns));
    }

    private TextGenerationOptions ToTextOptions(ChatOptions? options)
    {
        int maxTokens = options?.MaxOutputTokens ?? _options.MaxOutputTokens;
        float temperature = options?.Temperature ?? _options.Temperature;
        float topP = options?.TopP ?? _options.TopP;
        int topK = options?.TopK ?? _options.TopK;
        if (maxTokens < 1) throw new ArgumentOutOfRangeException(nameof(options), maxTokens, "ChatOptions.MaxOutputTokens must be at least 1.");
        if (!(temperature >= 0) || float.IsInfinity(temperature)) throw new ArgumentOutOfRangeException(nameof(options), temperature, "ChatOptions.Temperature must be 0 (greedy) or a positive finite number.");
        if (!(topP > 0 && topP <= 1)) throw new ArgumentOutOfRangeException(nameof(options), topP, "ChatOptions.TopP must be in (0, 1].");
        if (topK < 0) throw new ArgumentOutOfRangeException(nameof(options), topK, "ChatOptions.TopK must be 0 (off) or positive.");
        bool sample = temperature > 0;
        return new TextGenerationOptions
        {
            Generation = new GenerationOptions
            {
                MaxNewTokens = maxTokens,
                DoSample = sample,
                Temperature = sample ? temperature : 1.0,
                TopP = topP,
                TopK = topK,
                Seed = options?.Seed,
            },
            StopSequences = options?.StopSequences is { } stops ? [.. stops.Where(s => !string.IsNullOrEmpty(s))] : [],
        };
    }
}
