using System.Text;
using Microsoft.Extensions.AI;
using Plus.Torch.Chat;

namespace Plus.Torch.Tests.Chat;

/// <summary>
/// <see cref="LocalChatClient"/> under 32 concurrent requests, streaming and not, some cancelled midway
/// (docs/reliability.md): each request completes with the text it gives when run alone, or ends in an
/// <see cref="OperationCanceledException"/>; nothing else is thrown and the model stays usable afterwards.
/// </summary>
public sealed class LocalChatClientConcurrencyTests(TinyChatFixture fx) : IClassFixture<TinyChatFixture>
{
    private const int Requests = 32;

    /// <summary>A hang guard, not a speed assertion: the whole run takes seconds on the tiny model.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(5);

    private sealed record Request(int Index, ChatMessage[] Messages, ChatOptions Options, bool Streaming, bool Cancel);

    private static Request Make(int i)
    {
        var prompt = TinyChatFixture.Prompts[i % TinyChatFixture.Prompts.Count];
        var messages = prompt.Turns.Select(t => new ChatMessage(t.Role, t.Content)).ToArray();
        var options = i % 4 == 0
            ? new ChatOptions { Temperature = 0, MaxOutputTokens = 6 + i % 7 }
            : new ChatOptions { Temperature = 1.0f, TopP = 0.95f, TopK = 40, Seed = 1000 + i, MaxOutputTokens = 6 + i % 7 };
        return new Request(i, messages, options, Streaming: i % 2 == 1, Cancel: i % 8 is 3 or 6);
    }

    private static async Task<string> Stream(IChatClient client, Request r, CancellationToken token, Action? afterFirstUpdate = null)
    {
        var text = new StringBuilder();
        bool first = true;
        await foreach (var update in client.GetStreamingResponseAsync(r.Messages, r.Options, token))
        {
            text.Append(update.Text);
            if (first)
            {
                first = false;
                afterFirstUpdate?.Invoke();
            }
        }

        return text.ToString();
    }

    [Fact]
    public async Task Thirty_two_concurrent_requests_complete_with_their_solo_outputs_or_are_cancelled_cleanly()
    {
        using var client = new LocalChatClient(fx.Generator, new LocalChatClientOptions { ModelId = "tiny-chat" });
        var requests = Enumerable.Range(0, Requests).Select(Make).ToArray();

        // Each request alone, one after another: the reference outputs.
        var solo = new string[Requests];
        foreach (var r in requests)
        {
            solo[r.Index] = r.Streaming ? await Stream(client, r, CancellationToken.None) : (await client.GetResponseAsync(r.Messages, r.Options)).Text;
            Assert.False(string.IsNullOrEmpty(solo[r.Index]), $"request {r.Index} wrote no text alone");
        }

        // All at once. Cancelled streams cancel themselves after their first update (midway through decoding);
        // cancelled non-streaming requests are cancelled as soon as request 0 finishes, while queued or running.
        var firstDone = new TaskCompletionSource();
        var sources = requests.Select(_ => new CancellationTokenSource()).ToArray();
        var tasks = requests.Select(r => Task.Run(async () =>
        {
            var token = sources[r.Index].Token;
            if (r.Cancel && !r.Streaming) _ = firstDone.Task.ContinueWith(_ => sources[r.Index].Cancel(), TaskScheduler.Default);
            try
            {
                return r.Streaming
                    ? await Stream(client, r, token, r.Cancel ? () => sources[r.Index].Cancel() : null)
                    : (await client.GetResponseAsync(r.Messages, r.Options, token)).Text;
            }
            finally
            {
                if (r.Index == 0) firstDone.TrySetResult();
            }
        })).ToArray();

        int completed = 0, cancelled = 0;
        var cancelledStreams = new List<int>();
        foreach (var r in requests)
        {
            var task = tasks[r.Index];
            try
            {
                string text = await task.WaitAsync(HangLimit);
                Assert.True(solo[r.Index] == text, $"request {r.Index} ({(r.Streaming ? "streaming" : "whole")}, seed {r.Options.Seed}) gave '{text}' under load but '{solo[r.Index]}' alone");
                completed++;
            }
            catch (OperationCanceledException) when (r.Cancel)
            {
                cancelled++;
                if (r.Streaming) cancelledStreams.Add(r.Index);
            }
        }

        foreach (var s in sources) s.Dispose();
        // Requests not marked for cancellation must all have completed (an exception would have failed above);
        // those marked either stopped with OperationCanceledException or finished first, with their solo text.
        Assert.Equal(Requests, completed + cancelled);
        Assert.True(cancelled >= 1, "no request observed its cancellation");

        // A stream cancelled after its first update stops midway: every such request (seeded, so deterministic) did.
        Assert.Equal(requests.Where(r => r.Cancel && r.Streaming).Select(r => r.Index), cancelledStreams);

        // The model's lock was released by every request, cancelled or not: a new request runs and matches.
        var after = await client.GetResponseAsync(requests[1].Messages, requests[1].Options).WaitAsync(HangLimit);
        Assert.Equal(solo[1], after.Text);
    }
}
