using Microsoft.Extensions.AI;

namespace Plus.Core.Tests.ZeroShot;

/// <summary>Answers once, then cancels the source it was given, as a user pressing Stop would.</summary>
internal sealed class CancellingChatClient(CancellationTokenSource source) : IChatClient
{
    public int Answered { get; private set; }

    public async Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Answered++;
        await source.CancelAsync();
        return new ChatResponse(new ChatMessage(ChatRole.Assistant, "x"));
    }

    public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException("Streaming is not used by the personalizer.");

    public object? GetService(Type serviceType, object? serviceKey = null) => null;

    public void Dispose()
    {
    }
}
