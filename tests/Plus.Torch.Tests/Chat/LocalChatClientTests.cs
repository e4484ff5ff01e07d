using Microsoft.Extensions.AI;
using Microsoft.Extensions.Logging.Abstractions;
using Plus.Torch.Chat;
using Plus.Torch.Generation;

namespace Plus.Torch.Tests.Chat;

public sealed class LocalChatClientTests(TinyChatFixture fx) : IClassFixture<TinyChatFixture>
{
    private static readonly ChatMessage[] Messages = [new(ChatRole.User, "Hello! How are you today?")];

    private LocalChatClient Client(string? modelId = "tiny-chat") => new(fx.Generator, new LocalChatClientOptions { ModelId = modelId, MaxOutputTokens = 16 });

    private static ChatOptions Greedy(int max = 16) => new() { Temperature = 0, MaxOutputTokens = max };

    [Fact]
    public async Task Greedy_response_equals_the_text_generator_and_reports_model_finish_reason_and_usage()
    {
        using var client = Client();
        var response = await client.GetResponseAsync(Messages, Greedy(12));
        var expected = fx.Generator.Generate([Conversation.FromUser("Hello! How are you today?")], TextGenerationOptions.Greedy(12))[0];

        Assert.Equal(expected.Text, response.Text);
        Assert.Equal("tiny-chat", response.ModelId);
        Assert.Equal(LocalChatClient.Map(expected.FinishReason), response.FinishReason);
        Assert.Equal(expected.PromptTokenCount, response.Usage!.InputTokenCount);
        Assert.Equal(expected.TokenIds.Count, response.Usage.OutputTokenCount);
        Assert.Equal(expected.PromptTokenCount + expected.TokenIds.Count, response.Usage.TotalTokenCount);
        Assert.Equal(ChatRole.Assistant, Assert.Single(response.Messages).Role);
    }

    [Fact]
    public async Task Max_output_tokens_is_respected_and_maps_to_finish_reason_length()
    {
        using var client = Client();
        var response = await client.GetResponseAsync(Messages, Greedy(3));
        Assert.True(response.Usage!.OutputTokenCount <= 3);
        if (response.Usage.OutputTokenCount == 3 && response.FinishReason != ChatFinishReason.Stop)
        {
            Assert.Equal(ChatFinishReason.Length, response.FinishReason);
        }

        // The client's default applies when the request sets none.
        var byDefault = await new LocalChatClient(fx.Generator, new LocalChatClientOptions { MaxOutputTokens = 2, Temperature = 0 }).GetResponseAsync(Messages);
        Assert.True(byDefault.Usage!.OutputTokenCount <= 2);
    }

    [Fact]
    public async Task Stop_sequences_trim_the_text()
    {
        using var client = Client();
        var free = await client.GetResponseAsync(Messages, Greedy(24));
        Assert.True(free.Text.Length >= 12, $"the free run should write some text, got '{free.Text}'");
        string stop = free.Text.Substring(free.Text.Length / 2, 3);
        var options = Greedy(24);
        options.StopSequences = [stop];

        var stopped = await client.GetResponseAsync(Messages, options);

        Assert.Equal(free.Text[..free.Text.IndexOf(stop, StringComparison.Ordinal)], stopped.Text);
        Assert.Equal(ChatFinishReason.Stop, stopped.FinishReason);
    }

    [Fact]
    public async Task Seeded_sampling_is_reproducible()
    {
        using var client = Client();
        var options = new ChatOptions { Temperature = 1.0f, TopP = 0.9f, TopK = 50, Seed = 3, MaxOutputTokens = 12 };
        var a = await client.GetResponseAsync(Messages, options);
        var b = await client.GetResponseAsync(Messages, options);
        Assert.Equal(a.Text, b.Text);
    }

    [Fact]
    public async Task Streaming_concatenation_equals_the_non_streaming_response()
    {
        using var client = Client();
        foreach (var options in new[] { Greedy(20), new ChatOptions { Temperature = 1, Seed = 9, MaxOutputTokens = 20 } })
        {
            var expected = await client.GetResponseAsync(Messages, options);
            var updates = new List<ChatResponseUpdate>();
            await foreach (var update in client.GetStreamingResponseAsync(Messages, options)) updates.Add(update);
            var streamed = updates.ToChatResponse();

            Assert.Equal(expected.Text, string.Concat(updates.Select(u => u.Text)));
            Assert.Equal(expected.Text, streamed.Text);
            Assert.Equal(expected.FinishReason, streamed.FinishReason);
            Assert.Equal(expected.Usage!.OutputTokenCount, streamed.Usage!.OutputTokenCount);
            Assert.Equal(expected.Usage.InputTokenCount, streamed.Usage.InputTokenCount);
            Assert.All(updates, u => Assert.Equal("tiny-chat", u.ModelId));
        }
    }

    [Fact]
    public async Task Cancellation_throws_OperationCanceledException()
    {
        using var client = Client();
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => client.GetResponseAsync(Messages, Greedy(), cancelled.Token));

        using var midway = new CancellationTokenSource();
        var options = new ChatOptions { Temperature = 1, Seed = 1, MaxOutputTokens = 200 };
        int pieces = 0;
        await Assert.ThrowsAnyAsync<OperationCanceledException>(async () =>
        {
            await foreach (var update in client.GetStreamingResponseAsync(Messages, options, midway.Token))
            {
                pieces++;
                midway.Cancel();
            }
        });
        Assert.Equal(1, pieces);
    }

    [Fact]
    public async Task Works_through_a_ChatClientBuilder_pipeline_and_exposes_its_services()
    {
        using var client = Client();
        using IChatClient pipeline = client.AsBuilder().UseLogging(NullLoggerFactory.Instance).Build();
        var direct = await client.GetResponseAsync(Messages, Greedy(10));
        var viaPipeline = await pipeline.GetResponseAsync(Messages, Greedy(10));

        Assert.Equal(direct.Text, viaPipeline.Text);
        var metadata = pipeline.GetService<ChatClientMetadata>();
        Assert.Equal(LocalChatClient.ProviderName, metadata!.ProviderName);
        Assert.Equal("tiny-chat", metadata.DefaultModelId);
        Assert.Same(client, pipeline.GetService<LocalChatClient>());
        Assert.Same(fx.Generator, client.GetService<TextGenerator>());
        Assert.Null(client.GetService<TextGenerator>("some key"));
    }

    [Fact]
    public async Task Concurrent_calls_are_serialized_and_give_the_sequential_results()
    {
        using var client = Client();
        var sequential = (await client.GetResponseAsync(Messages, Greedy(12))).Text;
        var all = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => client.GetResponseAsync(Messages, Greedy(12)))));
        Assert.All(all, r => Assert.Equal(sequential, r.Text));
    }

    [Fact]
    public async Task Instructions_are_sent_as_a_system_turn()
    {
        using var client = Client();
        var options = Greedy(10);
        options.Instructions = "You are a helpful assistant.";
        var withInstructions = await client.GetResponseAsync(Messages, options);
        var withSystem = await client.GetResponseAsync([new ChatMessage(ChatRole.System, "You are a helpful assistant."), .. Messages], Greedy(10));
        Assert.Equal(withSystem.Text, withInstructions.Text);
        Assert.Equal(withSystem.Usage!.InputTokenCount, withInstructions.Usage!.InputTokenCount);
    }

    [Fact]
    public async Task Unsupported_roles_tools_and_empty_input_fail_clearly()
    {
        using var client = Client();
        var tool = await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([new ChatMessage(ChatRole.Tool, "42")]));
        Assert.Contains("messages[0] has role 'tool'", tool.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<ArgumentException>(() => client.GetResponseAsync([]));
        var options = new ChatOptions { Tools = [AIFunctionFactory.Create(() => 1, "one")] };
        await Assert.ThrowsAsync<NotSupportedException>(() => client.GetResponseAsync(Messages, options));
        Assert.Throws<ArgumentException>(() => new LocalChatClient(fx.Generator, new LocalChatClientOptions { TopP = 0 }));
    }

    [Fact]
    public async Task A_disposed_client_refuses_calls_and_disposes_the_model_only_when_it_owns_it()
    {
        var client = Client();
        client.Dispose();
        await Assert.ThrowsAsync<ObjectDisposedException>(() => client.GetResponseAsync(Messages));
        // The fixture's model was not owned: it still generates.
        Assert.Single(fx.Generator.Generate([Conversation.FromUser("Hello")], TextGenerationOptions.Greedy(2)));
        Assert.Equal(ChatFinishReason.Length, LocalChatClient.Map(FinishReason.Length));
    }
}
