using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Plus.Torch.Chat;

namespace Plus.Torch.Tests.Chat;

public sealed class PlusBuilderLocalModelExtensionsTests
{
    [Fact]
    public async Task AddLocalChatClient_registers_a_working_IChatClient_named_after_the_model_folder()
    {
        var services = new ServiceCollection();
        services.AddPlus().AddLocalChatClient(o =>
        {
            o.ModelDirectory = TinyChatFixture.Directory;
            o.Temperature = 0;
            o.MaxOutputTokens = 4;
        });
        await using (var provider = services.BuildServiceProvider())
        {
            var client = provider.GetRequiredService<IChatClient>();
            Assert.Same(provider.GetRequiredService<LocalChatClient>(), client);
            var response = await client.GetResponseAsync("Hello");
            Assert.Equal("tiny-chat", response.ModelId);
            Assert.True(response.Usage!.OutputTokenCount <= 4);
        }
    }

    [Fact]
    public void Options_bind_from_configuration()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Plus:LocalChatClient:ModelDirectory"] = TinyChatFixture.Directory,
            ["Plus:LocalChatClient:ModelId"] = "configured",
            ["Plus:LocalChatClient:ChatFormat"] = "chatml",
        }).Build();
        var services = new ServiceCollection();
        services.AddPlus().AddLocalChatClient(configuration.GetSection(LocalChatClientOptions.SectionName));
        using var provider = services.BuildServiceProvider();
        var client = provider.GetRequiredService<LocalChatClient>();
        Assert.Equal("configured", client.ModelId);
        Assert.Equal("chatml", client.Generator.Formatter.Name);
    }

    [Fact]
    public void Invalid_options_fail_with_messages_that_name_the_option()
    {
        var services = new ServiceCollection();
        services.AddPlus().AddLocalChatClient(o =>
        {
            o.ModelDirectory = Path.Combine(Path.GetTempPath(), "no-such-model-" + Guid.NewGuid().ToString("N"));
            o.Device = "tpu";
            o.ChatFormat = "alpaca";
            o.MaxOutputTokens = 0;
        });
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<LocalChatClientOptions>>().Value);
        string all = string.Join("\n", ex.Failures);
        Assert.Contains("Plus:LocalChatClient:ModelDirectory", all, StringComparison.Ordinal);
        Assert.Contains("does not exist", all, StringComparison.Ordinal);
        Assert.Contains("Plus:LocalChatClient:Device", all, StringComparison.Ordinal);
        Assert.Contains("Plus:LocalChatClient:ChatFormat 'alpaca'", all, StringComparison.Ordinal);
        Assert.Contains("Plus:LocalChatClient:MaxOutputTokens", all, StringComparison.Ordinal);
    }

    [Fact]
    public void A_folder_without_a_model_fails_validation()
    {
        string dir = Path.Combine(Path.GetTempPath(), "empty-model-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        try
        {
            var result = new OptionsValidator<LocalChatClientOptions>().Validate(null, new LocalChatClientOptions { ModelDirectory = dir });
            Assert.True(result.Failed);
            Assert.Contains(result.Failures!, f => f.Contains("has no config.json", StringComparison.Ordinal));
            Assert.Contains(result.Failures!, f => f.Contains("has no tokenizer.json", StringComparison.Ordinal));
            Assert.True(new OptionsValidator<LocalChatClientOptions>().Validate(null, new LocalChatClientOptions { ModelDirectory = TinyChatFixture.Directory }).Succeeded);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void An_IChatClient_registered_earlier_is_kept()
    {
        var services = new ServiceCollection();
        var mine = new FixedChatClient();
        services.AddSingleton<IChatClient>(mine);
        services.AddPlus().AddLocalChatClient(o => o.ModelDirectory = TinyChatFixture.Directory);
        using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<IChatClient>());
    }

    private sealed class FixedChatClient : IChatClient
    {
        public Task<ChatResponse> GetResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            Task.FromResult(new ChatResponse(new ChatMessage(ChatRole.Assistant, "fixed")));

        public IAsyncEnumerable<ChatResponseUpdate> GetStreamingResponseAsync(IEnumerable<ChatMessage> messages, ChatOptions? options = null, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException();

        public object? GetService(Type serviceType, object? serviceKey = null) => null;

        public void Dispose()
        {
        }
    }
}
