using Plus.Prompts;

namespace Plus.Core.Tests.Prompts;

public class ConditioningRendererTests
{
    private static readonly ConditioningRenderer Renderer = new(new PromptRenderer(PromptDomain.Generic));

    [Fact]
    public void None_returns_the_prompt_unchanged()
    {
        Assert.Same(PromptFixtures.MultiTurnPrompt, Renderer.Render(PromptFixtures.MultiTurnPrompt, UserConditioning.None));
    }

    [Fact]
    public void Prefix_goes_to_the_first_user_turn_only()
    {
        var rendered = Renderer.Render(PromptFixtures.MultiTurnPrompt, UserConditioning.FromSummary(UserSummary.FromUser("z")));
        var prefix = Renderer.Prompts.RenderSummaryPrefix("z");
        Assert.Equal(prefix + PromptFixtures.MultiTurnPrompt.Turns[0].Content, rendered.Turns[0].Content);
        Assert.Equal(PromptFixtures.MultiTurnPrompt.Turns.Skip(1), rendered.Turns.Skip(1));
    }

    [Fact]
    public void System_turn_is_kept_before_the_prefixed_user_turn()
    {
        var rendered = Renderer.Render(PromptFixtures.NewPromptWithSystem, UserConditioning.FromOracle("I like brevity."));
        Assert.Equal(PromptFixtures.NewPromptWithSystem.Turns[0], rendered.Turns[0]);
        Assert.StartsWith("I like brevity.", rendered.Turns[1].Content, StringComparison.Ordinal);
        Assert.EndsWith("Which pet should I adopt?", rendered.Turns[1].Content, StringComparison.Ordinal);
    }

    [Fact]
    public void Reward_query_renders_like_its_prompt_and_conditioning()
    {
        var conditioning = UserConditioning.FromContext(PromptFixtures.Context);
        var query = new RewardQuery(PromptFixtures.NewPrompt, "Get a cat.", conditioning);
        Assert.Equal(Renderer.Render(PromptFixtures.NewPrompt, conditioning), Renderer.Render(query));
        Assert.Equal(Renderer.Prompts.RenderIclPrefix(PromptFixtures.Context) + "Which pet should I adopt?", Renderer.Render(query).LastUserText);
    }

    [Fact]
    public void Prompt_without_a_user_turn_cannot_carry_conditioning()
    {
        var onlySystem = new Conversation(new ValueList<ChatTurn>(new[] { ChatTurn.System("s") }));
        var ex = Assert.Throws<ArgumentException>(() => Renderer.Render(onlySystem, UserConditioning.FromOracle("x")));
        Assert.Contains("no user turn", ex.Message, StringComparison.Ordinal);
    }
}
