using Microsoft.Extensions.AI;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Plus.Core.Tests.Prompts;
using Plus.Core.Tests.ZeroShot;
using Plus.Prompts;
using Plus.ZeroShot;

namespace Plus.Core.Tests.DependencyInjection;

public class AddPlusTests
{
    [Fact]
    public void Invalid_prompt_override_fails_when_options_are_read_naming_the_option()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Prompts.Pets.Summarizer = "{pairs} summarize please");
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlusOptions>>().Value);
        Assert.Contains("Plus:Prompts:Pets:Summarizer is missing the required placeholder {profile}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Prompts:Pets:Summarizer is missing the required placeholder {attributes}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Invalid_options_fail_start_up_validation()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Prompts.ZeroShot.JudgeUserWithSummary = "{conversation} {option1} {option2}");
        using var provider = services.BuildServiceProvider();

        // What a host runs at start-up for ValidateOnStart.
        var ex = await Assert.ThrowsAsync<OptionsValidationException>(() => provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None));
        Assert.Contains("Plus:Prompts:ZeroShot:JudgeUserWithSummary is missing the required placeholder {summary}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Data_annotations_still_apply()
    {
        var services = new ServiceCollection();
        services.AddPlus(o => o.Domain = "reddit");
        using var provider = services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlusOptions>>().Value);
        Assert.Contains("Plus:Domain must be one of pets, ultrafeedback, prism, generic.", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Default_options_are_valid_and_give_the_generic_renderers()
    {
        using var provider = new ServiceCollection().AddPlus().Services.BuildServiceProvider();
        await provider.GetRequiredService<IAsyncStartupValidator>().ValidateAsync(CancellationToken.None);
        Assert.Equal(PromptDomain.Generic, provider.GetRequiredService<PromptRenderer>().Domain);
        Assert.Same(provider.GetRequiredService<PromptRenderer>(), provider.GetRequiredService<ConditioningRenderer>().Prompts);
        Assert.NotNull(provider.GetRequiredService<ZeroShotPromptRenderer>());
        Assert.Equal(50, provider.GetRequiredService<SummaryExtractor>().MaxWords);
    }

    [Fact]
    public void Configuration_overload_binds_the_section_and_keeps_unset_defaults()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Plus:Domain"] = "prism",
            ["Plus:MaxSummaryWords"] = "20",
            ["Plus:Prompts:Prism:SummaryPrefix"] = "My preferences: {summary}\n\n",
        }).Build();
        using var provider = new ServiceCollection().AddPlus(configuration.GetSection(PlusOptions.SectionName)).Services.BuildServiceProvider();

        var renderer = provider.GetRequiredService<PromptRenderer>();
        Assert.Equal(PromptDomain.Prism, renderer.Domain);
        Assert.Equal("My preferences: z\n\n", renderer.RenderSummaryPrefix("z"));
        Assert.Equal(new PromptRenderer(PromptDomain.Prism).RenderSummarizerText(PromptFixtures.Context), renderer.RenderSummarizerText(PromptFixtures.Context));
        Assert.Equal(20, provider.GetRequiredService<SummaryExtractor>().MaxWords);
    }

    [Fact]
    public void Configuration_override_missing_a_placeholder_fails_naming_the_option()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Plus:Prompts:UltraFeedback:OraclePrefix"] = "I prioritize things.",
        }).Build();
        using var provider = new ServiceCollection().AddPlus(configuration.GetSection("Plus")).Services.BuildServiceProvider();
        var ex = Assert.Throws<OptionsValidationException>(() => provider.GetRequiredService<IOptions<PlusOptions>>().Value);
        Assert.Contains("Plus:Prompts:UltraFeedback:OraclePrefix is missing the required placeholder {oracle}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_piece_registered_earlier_replaces_the_default()
    {
        var services = new ServiceCollection();
        var mine = new SummaryExtractor(maxWords: 5, maxTokens: 10, tokenCounter: s => s.Length);
        services.AddSingleton(mine);
        services.AddPlus();
        using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<SummaryExtractor>());
        Assert.Single(services, d => d.ServiceType == typeof(SummaryExtractor));
    }

    [Fact]
    public void Calling_AddPlus_twice_registers_each_piece_once()
    {
        var services = new ServiceCollection();
        services.AddPlus();
        services.AddPlus();
        Assert.Single(services, d => d.ServiceType == typeof(PromptRenderer));
        Assert.Single(services, d => d.ServiceType == typeof(IValidateOptions<PlusOptions>) && d.ImplementationType == typeof(OptionsValidator<PlusOptions>));
    }

    [Fact]
    public async Task Chat_client_judge_uses_the_chat_client_from_DI_and_the_run_seed()
    {
        var client = new RecordingChatClient("Option 1");
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(client);
        services.AddPlus(o => o.Seed = 1234).AddChatClientJudge(o => o.MaxOutputTokens = 4);
        using var provider = services.BuildServiceProvider();

        var judge = Assert.IsType<ChatClientPreferenceJudge>(provider.GetRequiredService<IPreferencePredictor>());
        Assert.Equal(1234, judge.Seed);
        await judge.PredictAsync(UserContext.Empty, PromptFixtures.NewPrompt, "a", "b");
        Assert.Equal(4, Assert.Single(client.Requests).Options!.MaxOutputTokens);
    }

    [Fact]
    public void Chat_client_judge_without_a_chat_client_says_what_is_missing()
    {
        using var provider = new ServiceCollection().AddPlus().AddChatClientJudge().Services.BuildServiceProvider();
        var ex = Assert.Throws<InvalidOperationException>(() => provider.GetRequiredService<IPreferencePredictor>());
        Assert.Contains("needs an IChatClient registered in DI", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_predictor_registered_earlier_keeps_its_place()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(new RecordingChatClient("Option 1"));
        var mine = new ChatClientPreferenceJudge(new RecordingChatClient("Option 2"));
        services.AddSingleton<IPreferencePredictor>(mine);
        services.AddPlus().AddChatClientJudge();
        using var provider = services.BuildServiceProvider();
        Assert.Same(mine, provider.GetRequiredService<IPreferencePredictor>());
        Assert.NotSame(mine, provider.GetRequiredService<ChatClientPreferenceJudge>());
    }

    [Fact]
    public async Task Chat_client_personalizer_ranks_with_the_reward_model_from_DI()
    {
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(new RecordingChatClient("low", "high"));
        services.AddSingleton<IRewardModel>(new TableRewardModel(new Dictionary<string, float> { ["low"] = 0f, ["high"] = 1f }));
        services.AddSingleton<IUserSummarizer>(new FixedSummarizer("Prefers cats."));
        services.AddPlus().AddChatClientPersonalizer(o => o.Temperature = 1f);
        using var provider = services.BuildServiceProvider();

        var result = await provider.GetRequiredService<IResponsePersonalizer>().PersonalizeAsync(PromptFixtures.Context, PromptFixtures.NewPrompt, candidates: 2);
        Assert.Equal("high", result.Text);
        Assert.Equal("Prefers cats.", result.Summary.Text);
    }

    [Fact]
    public async Task Zero_shot_prompt_override_reaches_the_judge()
    {
        var client = new RecordingChatClient("Option 1");
        var services = new ServiceCollection();
        services.AddSingleton<IChatClient>(client);
        services.AddPlus(o => o.Prompts.ZeroShot.JudgeSystem = string.Empty).AddChatClientJudge();
        using var provider = services.BuildServiceProvider();
        await provider.GetRequiredService<ChatClientPreferenceJudge>().PredictAsync(UserContext.Empty, PromptFixtures.NewPrompt, "a", "b");
        Assert.Equal(ChatRole.User, Assert.Single(client.Requests[0].Messages).Role);
    }
}
