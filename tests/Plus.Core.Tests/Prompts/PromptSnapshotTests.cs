using Plus.Prompts;
using Snapshooter;
using Snapshooter.Xunit;

namespace Plus.Core.Tests.Prompts;

/// <summary>Every rendered prompt, per domain, on fixed inputs; the snapshots are committed in __snapshots__.</summary>
public class PromptSnapshotTests
{
    public static TheoryData<PromptDomain> Domains => new() { PromptDomain.Pets, PromptDomain.UltraFeedback, PromptDomain.Prism, PromptDomain.Generic };

    [Theory]
    [MemberData(nameof(Domains))]
    public void Summarizer_prompt(PromptDomain domain)
    {
        var rendered = new PromptRenderer(domain).RenderSummarizerPrompt(PromptFixtures.Context);
        Snapshot.Match(PromptFixtures.Show(rendered), SnapshotNameExtension.Create(domain));
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void Summarizer_prompt_with_profile_and_attribute_hints(PromptDomain domain)
    {
        var rendered = new PromptRenderer(domain).RenderSummarizerPrompt(PromptFixtures.ContextWithProfileAndHints);
        Snapshot.Match(PromptFixtures.Show(rendered), SnapshotNameExtension.Create(domain));
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void Summary_conditioned_prompt(PromptDomain domain)
    {
        var renderer = new ConditioningRenderer(new PromptRenderer(domain));
        var rendered = renderer.Render(PromptFixtures.NewPromptWithSystem, UserConditioning.FromSummary(UserSummary.FromUser("Prefers cats and short answers")));
        Snapshot.Match(PromptFixtures.Show(rendered), SnapshotNameExtension.Create(domain));
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void Oracle_conditioned_prompt(PromptDomain domain)
    {
        var oracle = domain switch
        {
            PromptDomain.Pets => "This user prefers cats over dogs.",
            PromptDomain.UltraFeedback => "honesty",
            PromptDomain.Prism => "{'values': 80, 'creativity': 20, 'fluency': 60, 'factuality': 95, 'diversity': 10, 'safety': 70, 'personalisation': 40, 'helpfulness': 90}",
            _ => "I like concise, factual answers.",
        };
        var renderer = new ConditioningRenderer(new PromptRenderer(domain));
        var rendered = renderer.Render(PromptFixtures.NewPrompt, UserConditioning.FromOracle(oracle));
        Snapshot.Match(PromptFixtures.Show(rendered), SnapshotNameExtension.Create(domain));
    }

    [Theory]
    [MemberData(nameof(Domains))]
    public void Icl_conditioned_prompt(PromptDomain domain)
    {
        var renderer = new ConditioningRenderer(new PromptRenderer(domain));
        var rendered = renderer.Render(PromptFixtures.NewPrompt, UserConditioning.FromContext(PromptFixtures.ContextWithProfileAndHints));
        Snapshot.Match(PromptFixtures.Show(rendered), SnapshotNameExtension.Create(domain));
    }

    [Fact]
    public void Zero_shot_judge_prompts()
    {
        var prompts = new ZeroShotPromptRenderer();
        var without = prompts.RenderJudge(PromptFixtures.MultiTurnPrompt, "Here are the main trade-offs.", "Yes.", null);
        var with = prompts.RenderJudge(PromptFixtures.MultiTurnPrompt, "Here are the main trade-offs.", "Yes.", "Values balanced perspectives.");
        Snapshot.Match(PromptFixtures.Show(without) + "----\n" + PromptFixtures.Show(with));
    }

    [Fact]
    public void Zero_shot_generation_prompts()
    {
        var prompts = new ZeroShotPromptRenderer();
        var without = prompts.RenderGeneration(PromptFixtures.MultiTurnPrompt, null);
        var with = prompts.RenderGeneration(PromptFixtures.MultiTurnPrompt, "Values balanced perspectives.");
        Snapshot.Match(PromptFixtures.Show(without) + "----\n" + PromptFixtures.Show(with));
    }
}
