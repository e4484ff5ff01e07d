using System.Globalization;
using System.Text;
using Microsoft.Extensions.AI;
using Plus.Torch.Chat;
using Plus.Torch.Tests.Generation;
using Xunit.Abstractions;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Chat;

/// <summary>
/// <see cref="LocalChatClient"/> under repeated rounds of 32 concurrent requests, a quarter of them cancelled midway
/// (docs/reliability.md): after a warm-up the process's live tensors do not change from round to round and its
/// resident memory does not grow round after round. Runs alone (<see cref="MemoryMeasurementCollection"/>): other
/// tests in this process would add their own allocations to the measurement.
/// </summary>
[Collection(MemoryMeasurementCollection.Name)]
public sealed class LocalChatClientMemoryTests(TinyChatFixture fx, ITestOutputHelper output) : IClassFixture<TinyChatFixture>
{
    private const int Requests = 32;
    private const int WarmupRounds = 3;
    private const int MeasuredRounds = 10;

    /// <summary>Resident growth allowed from the first measured round to the last (allocator and GC heap settling).</summary>
    private const long RssToleranceBytes = 24L << 20;

    /// <summary>A hang guard, not a speed assertion.</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(5);

    private static long ResidentBytes()
    {
        var fields = File.ReadAllText("/proc/self/statm").Split(' ');
        return long.Parse(fields[1], CultureInfo.InvariantCulture) * Environment.SystemPageSize;
    }

    private static void Collect()
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
    }

    /// <summary>One round: 32 requests at once, half streaming; 8 streams cancel themselves after their first update.</summary>
    private static async Task<int> RoundAsync(IChatClient client, int round)
    {
        var tasks = Enumerable.Range(0, Requests).Select(i => Task.Run(async () =>
        {
            var prompt = TinyChatFixture.Prompts[i % TinyChatFixture.Prompts.Count];
            var messages = prompt.Turns.Select(t => new ChatMessage(t.Role, t.Content)).ToArray();
            var options = i % 4 == 0
                ? new ChatOptions { Temperature = 0, MaxOutputTokens = 8 + i % 9 }
                : new ChatOptions { Temperature = 1.0f, TopP = 0.95f, TopK = 40, Seed = 1000 * round + i, MaxOutputTokens = 8 + i % 9 };
            using var cts = new CancellationTokenSource();
            bool cancel = i % 4 == 1;
            try
            {
                if (i % 2 == 0)
                {
                    var response = await client.GetResponseAsync(messages, options, cts.Token);
                    Assert.False(string.IsNullOrEmpty(response.Text));
                    return 0;
                }

                var text = new StringBuilder();
                await foreach (var update in client.GetStreamingResponseAsync(messages, options, cts.Token))
                {
                    text.Append(update.Text);
                    if (cancel) await cts.CancelAsync();
                }

                return 0;
            }
            catch (OperationCanceledException) when (cancel)
            {
                return 1;
            }
        })).ToArray();
        var results = await Task.WhenAll(tasks).WaitAsync(HangLimit);
        return results.Sum();
    }

    [Fact]
    public async Task Rounds_of_32_concurrent_requests_some_cancelled_keep_live_tensors_and_resident_memory_flat()
    {
        using var client = new LocalChatClient(fx.Generator, new LocalChatClientOptions { ModelId = "tiny-chat" });
        for (int r = 0; r < WarmupRounds; r++) await RoundAsync(client, r);
        Collect();

        var rss = new List<long>();
        var live = new List<long>();
        int cancelled = 0;
        for (int r = 0; r < MeasuredRounds; r++)
        {
            cancelled += await RoundAsync(client, WarmupRounds + r);
            Collect();
            rss.Add(ResidentBytes());
            live.Add(Tensor.TotalCount);
        }

        string trace = string.Join(", ", rss.Select((b, i) => $"{b >> 20} MiB/{live[i]} tensors"));
        output.WriteLine($"after each round (resident/live tensors): {trace}; {cancelled} streams cancelled midway");
        Assert.True(cancelled >= MeasuredRounds, $"only {cancelled} streams observed their cancellation: the cancel path was not exercised");

        // Tensors (TorchSharp's process-wide count of undisposed tensors): every request, cancelled or not, disposes
        // what it made; the count is the same after every round. (Checked once by holding one 256 KiB tensor per
        // streamed update: the count then rose by 80 a round and resident memory by about 20 MiB a round.)
        Assert.True(live.Distinct().Count() == 1, $"live tensors changed between rounds: {trace}");

        // Resident memory: a leak grows it every round; settling does not. Both the total growth and the growth over
        // the second half (when settling is over) must stay within the tolerance.
        long total = rss[^1] - rss[0];
        long secondHalf = rss[^1] - rss[MeasuredRounds / 2];
        Assert.True(total < RssToleranceBytes, $"resident memory grew by {total >> 20} MiB over {MeasuredRounds} rounds: {trace}");
        Assert.True(secondHalf < RssToleranceBytes / 2, $"resident memory grew by {secondHalf >> 20} MiB over the last {MeasuredRounds - MeasuredRounds / 2} rounds: {trace}");
    }
}
