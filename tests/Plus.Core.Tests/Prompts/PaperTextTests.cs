using Plus.Prompts;

namespace Plus.Core.Tests.Prompts;

/// <summary>The defaults reproduce the paper's appendix text, written out here by hand from the paper.</summary>
public class PaperTextTests
{
    private static readonly UserContext OnePetsPair = new(new ValueList<PreferencePair>(new[]
    {
        new PreferencePair(Conversation.FromUser("Please talk about one kind of pets."), "Cats purr.", "Dogs bark."),
    }));

    [Fact]
    public void Pets_summarizer_prompt_matches_appendix_D()
    {
        var expected =
            "Here is a request of a user for an AI assistant.\nPlease talk about one kind of pets. The user chose Cats purr. The user rejected Dogs bark.\n\n"
            + "Based on the user's past conversation, provide a short summary of the user's preference. Focus on the user's preference that "
            + "should guide how the AI assistant responds to this user in future conversations. Keep the summary concise under 50 words. "
            + "Start your response with ##Summary";
        Assert.Equal(expected, new PromptRenderer(PromptDomain.Pets).RenderSummarizerText(OnePetsPair));
    }

    [Fact]
    public void UltraFeedback_summarizer_prompt_matches_appendix_D()
    {
        var expected =
            "In order to provide more information about myself, I'm including examples from my previous conversation history, which include "
            + "the prompt, the rejected response, and the chosen response. Use this information to learn about my preferences and reflect that "
            + "understanding in your future responses.\n\nThe prompt was: Please talk about one kind of pets.\n\n I chose this response: Cats purr."
            + "\n\nI rejected this response: Dogs bark.\n\n Based on this information, provide a short summary of the user's preferences to guide "
            + "how the AI assistant should respond in future conversations. Reflect on the user's past chosen and rejected responses, and what the "
            + "user preferred about the chosen responses. Do not focus on the topics of specific conversations. Keep your summary concise--under "
            + "50 words. Start your response with ##Summary";
        Assert.Equal(expected, new PromptRenderer(PromptDomain.UltraFeedback).RenderSummarizerText(OnePetsPair));
    }

    [Fact]
    public void Prism_pairs_are_numbered_from_zero_with_the_appendix_headers()
    {
        var pairs = new PromptRenderer(PromptDomain.Prism).RenderPairs(PromptFixtures.Context.Pairs);
        Assert.StartsWith("##Past conversation 0##\n###Prompt###\nPlease talk about one kind of pets.\n###Chosen response###\nCats are independent and clean.\n###Rejected response###\nDogs are loyal and playful.\n\n##Past conversation 1##\n", pairs);
    }

    [Theory]
    [InlineData(PromptDomain.Pets)]
    [InlineData(PromptDomain.UltraFeedback)]
    [InlineData(PromptDomain.Prism)]
    [InlineData(PromptDomain.Generic)]
    public void Summary_prefix_matches_appendix_D_last_bullet(PromptDomain domain)
    {
        Assert.Equal(
            "Here is the summary of my preferences based on previous conversations: likes cats. In the following conversation, keep this in mind to personalize your response.\n\n",
            new PromptRenderer(domain).RenderSummaryPrefix("likes cats"));
    }

    [Fact]
    public void UltraFeedback_oracle_prefix_matches_appendix_E()
    {
        Assert.Equal(
            "I prioritize helpfulness in AI assistant's responses. Now based on this information about myself, here's a new question:\n\n",
            new PromptRenderer(PromptDomain.UltraFeedback).RenderOraclePrefix("helpfulness"));
    }

    [Fact]
    public void Pets_oracle_prefix_is_the_oracle_text()
    {
        Assert.Equal("This user prefers cats over dogs.\n\n", new PromptRenderer(PromptDomain.Pets).RenderOraclePrefix("This user prefers cats over dogs."));
    }

    [Fact]
    public void Zero_shot_defaults_match_appendix_G()
    {
        var templates = new ZeroShotPromptTemplates();
        Assert.Equal("You are a helpful assistant.", templates.JudgeSystem);
        Assert.Equal("You are a helpful assistant. Keep your response short-under 100 words.", templates.GenerationSystem);
        var judge = new ZeroShotPromptRenderer().RenderJudge(Conversation.FromUser("Q?"), "A", "B", null);
        Assert.Equal(
            "Here's a previous conversation between the user and the AI assistant: Q? Decide which response the user would prefer-option 1 or option 2. "
            + "Option 1 is: A Option 2 is: B Respond with Option 1 or Option 2 based on what you know about the user.",
            judge[^1].Text);
    }

    [Fact]
    public void Empty_profile_and_hints_leave_no_trace()
    {
        var renderer = new PromptRenderer(PromptDomain.Prism);
        var withEmpty = OnePetsPair with { Profile = "  ", AttributeHints = ValueList<string>.Empty };
        Assert.Equal(renderer.RenderSummarizerText(OnePetsPair), renderer.RenderSummarizerText(withEmpty));
    }
}
