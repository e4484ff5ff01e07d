using Microsoft.Extensions.AI;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class TrlPreferenceImporterTests
{
    private static PreferencePair Parse(string line) => TrlPreferenceImporter.ParseRow(line, "trl.jsonl", 1).Pair;

    [Fact]
    public void Plain_strings_give_a_one_turn_prompt()
    {
        var pair = Parse("{\"prompt\":\"Hi?\",\"chosen\":\"Hello.\",\"rejected\":\"Go.\"}");
        Assert.Equal(new PreferencePair(Conversation.FromUser("Hi?"), "Hello.", "Go."), pair);
    }

    [Fact]
    public void Conversational_rows_keep_every_prompt_turn_and_take_the_assistant_message()
    {
        var pair = Parse(
            "{\"prompt\":[{\"role\":\"system\",\"content\":\"Be kind.\"},{\"role\":\"user\",\"content\":\"Hi?\"},{\"role\":\"assistant\",\"content\":\"Hey.\"},{\"role\":\"user\",\"content\":\"More?\"}]," +
            "\"chosen\":[{\"role\":\"assistant\",\"content\":\"Sure.\"}],\"rejected\":[{\"role\":\"assistant\",\"content\":\"No.\"}]}");
        Assert.Equal(new[] { ChatRole.System, ChatRole.User, ChatRole.Assistant, ChatRole.User }, pair.Prompt.Turns.Select(t => t.Role));
        Assert.Equal(("Sure.", "No."), (pair.Chosen, pair.Rejected));
    }

    [Fact]
    public void Openrlhf_responses_that_repeat_the_prompt_are_reduced_to_the_reply()
    {
        const string Prompt = "[{\"role\":\"user\",\"content\":\"Hi?\"}]";
        var pair = Parse(
            $"{{\"prompt\":{Prompt},\"chosen\":[{{\"role\":\"user\",\"content\":\"Hi?\"}},{{\"role\":\"assistant\",\"content\":\"Hello.\"}}],\"rejected\":\"Go.\"}}");
        Assert.Equal(new PreferencePair(Conversation.FromUser("Hi?"), "Hello.", "Go."), pair);
    }

    [Fact]
    public void Without_a_prompt_the_shared_messages_are_the_prompt()
    {
        var pair = Parse(
            "{\"chosen\":[{\"role\":\"user\",\"content\":\"Hi?\"},{\"role\":\"assistant\",\"content\":\"Hello.\"}]," +
            "\"rejected\":[{\"role\":\"user\",\"content\":\"Hi?\"},{\"role\":\"assistant\",\"content\":\"Go.\"}]}");
        Assert.Equal(new PreferencePair(Conversation.FromUser("Hi?"), "Hello.", "Go."), pair);
    }

    [Theory]
    [InlineData("{\"prompt\":\"Hi\",\"rejected\":\"b\"}", "trl.jsonl line 1: field 'chosen' is missing")]
    [InlineData("{\"chosen\":\"a\",\"rejected\":\"b\"}", "trl.jsonl line 1: field 'prompt' is missing (it may only be left out when 'chosen' and 'rejected' are whole message lists)")]
    [InlineData("{\"prompt\":[],\"chosen\":\"a\",\"rejected\":\"b\"}", "trl.jsonl line 1: field 'prompt' holds no messages")]
    [InlineData("{\"prompt\":[{\"role\":\"assistant\",\"content\":\"x\"}],\"chosen\":\"a\",\"rejected\":\"b\"}", "trl.jsonl line 1: field 'prompt' must end with a user message, found a assistant message")]
    [InlineData("{\"prompt\":\"Hi\",\"chosen\":[{\"role\":\"user\",\"content\":\"a\"}],\"rejected\":\"b\"}", "trl.jsonl line 1: field 'chosen' must be an assistant message, found a user message")]
    [InlineData("{\"prompt\":\"Hi\",\"chosen\":[{\"role\":\"assistant\",\"content\":\"a\"},{\"role\":\"assistant\",\"content\":\"b\"}],\"rejected\":\"b\"}", "trl.jsonl line 1: field 'chosen' must hold one assistant message (optionally after the prompt's 1 message(s)), found 2 message(s)")]
    [InlineData("{\"prompt\":\"Hi\",\"chosen\":\"a\",\"rejected\":[{\"role\":\"bot\",\"content\":\"b\"}]}", "trl.jsonl line 1: field 'rejected[0].role' must be 'user', 'assistant' or 'system', found 'bot'")]
    [InlineData("{\"prompt\":\"Hi\",\"chosen\":\"a\",\"rejected\":[{\"role\":\"assistant\"}]}", "trl.jsonl line 1: field 'rejected[0].content' is missing")]
    [InlineData("{\"prompt\":\"Hi\",\"chosen\":7,\"rejected\":\"b\"}", "trl.jsonl line 1: field 'chosen' must be a string or a list of {role, content} messages, found a number")]
    [InlineData("{\"prompt\":\"Hi\",", "trl.jsonl line 1: is not valid JSON")]
    public void A_bad_row_names_the_file_line_and_field(string line, string message)
    {
        var error = Assert.Throws<PreferenceDataException>(() => Parse(line));
        Assert.StartsWith(message, error.Message);
    }
}
