using Plus.Prompts;

namespace Plus.Core.Tests.Prompts;

public class PromptTemplateTests
{
    [Fact]
    public void Values_are_inserted_once_and_never_expanded_again()
    {
        var template = new PromptTemplate("T", "A {summary} B", [PromptPlaceholders.Summary]);
        Assert.Equal("A use {summary} and {pairs} B", template.Render(new Dictionary<string, string> { ["summary"] = "use {summary} and {pairs}" }));
    }

    [Fact]
    public void Braces_that_are_not_placeholder_names_stay_literal()
    {
        var template = new PromptTemplate("T", "{'values': __} {Summary} {summary}", [PromptPlaceholders.Summary]);
        Assert.Equal("{'values': __} {Summary} z", template.Render(new Dictionary<string, string> { ["summary"] = "z" }));
        Assert.Equal(["summary"], template.Placeholders);
    }

    [Fact]
    public void Missing_required_placeholder_is_named_with_the_option()
    {
        var ex = Assert.Throws<ArgumentException>(() => new PromptTemplate("Plus:Prompts:Pets:SummaryPrefix", "no placeholder", [PromptPlaceholders.Summary]));
        Assert.Contains("Plus:Prompts:Pets:SummaryPrefix is missing the required placeholder {summary}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Placeholder_not_available_in_a_template_is_rejected()
    {
        var errors = PromptTemplate.Validate("Plus:Prompts:Pets:Pair", "{prompt}{chosen}{rejected}{summary}",
            [PromptPlaceholders.Prompt, PromptPlaceholders.Chosen, PromptPlaceholders.Rejected], [PromptPlaceholders.Index]);
        var error = Assert.Single(errors);
        Assert.Contains("Plus:Prompts:Pets:Pair uses {summary}", error, StringComparison.Ordinal);
    }

    [Fact]
    public void Null_and_empty_templates_are_rejected_unless_nothing_is_required()
    {
        Assert.Contains("must not be null", Assert.Single(PromptTemplate.Validate("X", null, [], [])), StringComparison.Ordinal);
        Assert.Contains("must not be empty", Assert.Single(PromptTemplate.Validate("X", " ", ["summary"], [])), StringComparison.Ordinal);
        Assert.Empty(PromptTemplate.Validate("X", string.Empty, [], []));
    }

    [Fact]
    public void Render_without_a_value_names_the_template_and_placeholder()
    {
        var template = new PromptTemplate("Plus:Prompts:Generic:OraclePrefix", "{oracle}!", [PromptPlaceholders.Oracle]);
        var ex = Assert.Throws<ArgumentException>(() => template.Render(new Dictionary<string, string>()));
        Assert.Contains("Plus:Prompts:Generic:OraclePrefix uses {oracle}", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Every_default_template_is_valid()
    {
        Assert.Empty(new PromptTemplateOptions().Validate());
    }

    [Fact]
    public void Overridden_template_is_used_by_the_renderer()
    {
        var templates = DomainPromptTemplates.CreatePets();
        templates.SummaryPrefix = "User summary: {summary}\n";
        Assert.Equal("User summary: z\n", new PromptRenderer(PromptDomain.Pets, templates).RenderSummaryPrefix("z"));
    }

    [Fact]
    public void Renderer_rejects_an_invalid_override_naming_the_option()
    {
        var templates = DomainPromptTemplates.CreatePrism();
        templates.IclPrefix = "{pairs} only";
        var ex = Assert.Throws<ArgumentException>(() => new PromptRenderer(PromptDomain.Prism, templates));
        Assert.Contains("Plus:Prompts:Prism:IclPrefix is missing the required placeholder {profile}", ex.Message, StringComparison.Ordinal);
        Assert.Contains("Plus:Prompts:Prism:IclPrefix is missing the required placeholder {attributes}", ex.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("pets", PromptDomain.Pets)]
    [InlineData("UltraFeedback", PromptDomain.UltraFeedback)]
    [InlineData(" prism ", PromptDomain.Prism)]
    [InlineData("generic", PromptDomain.Generic)]
    public void Domain_names_parse(string name, PromptDomain expected) => Assert.Equal(expected, PromptTemplateOptions.ParseDomain(name));

    [Fact]
    public void Unknown_domain_name_lists_the_valid_ones()
    {
        var ex = Assert.Throws<ArgumentException>(() => PromptTemplateOptions.ParseDomain("hh-rlhf"));
        Assert.Contains("pets, ultrafeedback, prism, generic", ex.Message, StringComparison.Ordinal);
    }
}
