using System.Runtime.CompilerServices;
using Microsoft.Extensions.AI;

namespace Plus.Core.Tests.ZeroShot;

/// <summary>A fake chat model: records every request and answers from a script, in order (the last answer repeats).</summary>
internal sealed class RecordingChatClient : IChatClient
{
    private readonly string[] _answers;
    private int _next;

    public RecordingChatClient(params string[] answers) => _answers = answers.Length == 0 ? [string.Empty] : answers;

    public List<(List<ChatMessage> Messages, ChatOptions? Options)> Requests { get; } = [];

    public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        Requests.Add((messages.ToList(), options));
        var answer = _answers[Math.Min(_next++, _answers.Length - 1)];
        return Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, answer)));
    }

    public async IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(
        IEnumerable<ChatMessage> messages, ChatOptions? options = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var response = await GetResponseAsync(messages, options, cancellationToken);
        foreach (var update in response.ToChatResponseUpdates()) yield return update;
    }

    public object? GetService(Type serviceType, object? serviceKey = null) => serviceType.IsInstanceOfType(this) ? this : null;

    public void Dispose()
    {
    }
}
