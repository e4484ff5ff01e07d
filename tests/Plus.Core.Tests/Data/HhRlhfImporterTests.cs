using Microsoft.Extensions.AI;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class HhRlhfImporterTests
{
    [Fact]
    public void A_transcript_splits_into_turns_at_blank_line_markers_with_trimmed_text()
    {
        var turns = HhRlhfImporter.ParseTranscript("\n\nHuman: Hi there.\n\nAssistant:  Hello!\nHow can I help?\n\nHuman: Say 'Human: no'.");
        Assert.Equal(
            new[] { ChatTurn.User("Hi there."), ChatTurn.Assistant("Hello!\nHow can I help?"), ChatTurn.User("Say 'Human: no'.") },
            turns);
        Assert.Equal(new[] { ChatTurn.User("Hi"), ChatTurn.Assistant("Yo") }, HhRlhfImporter.ParseTranscript("Human: Hi\n\nAssistant: Yo"));
    }

    [Theory]
    [InlineData("Hello without markers", "holds no 'Human:' or 'Assistant:' turn")]
    [InlineData("Preamble\n\nHuman: Hi\n\nAssistant: Yo", "must start with a 'Human:' or 'Assistant:' turn")]
    public void A_transcript_without_leading_marker_is_rejected(string transcript, string message)
    {
        Assert.Equal(message, Assert.Throws<FormatException>(() => HhRlhfImporter.ParseTranscript(transcript)).Message);
    }

    [Fact]
    public void A_multi_turn_row_makes_the_shared_turns_the_prompt_and_the_last_assistant_turns_the_responses()
    {
        const string Prefix = "\\n\\nHuman: Plan a trip.\\n\\nAssistant: Where to?\\n\\nHuman: Rome.";
        var row = HhRlhfImporter.ParseRow(
            $"{{\"chosen\":\"{Prefix}\\n\\nAssistant: Start at the Forum.\",\"rejected\":\"{Prefix}\\n\\nAssistant: No.\",\"uid\":42,\"kind\":\"travel\"}}",
            "hh.jsonl", 3, keyField: "uid", groupField: "kind");

        Assert.Equal(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.User }, row.Pair.Prompt.Turns.Select(t => t.Role));
        Assert.Equal("Rome.", row.Pair.Prompt.LastUserText);
        Assert.Equal("Start at the Forum.", row.Pair.Chosen);
        Assert.Equal("No.", row.Pair.Rejected);
        Assert.Equal("42", row.Key);
        Assert.Equal("travel", row.Group);
        Assert.Equal(("hh.jsonl", 3L), (row.Source, row.LineNumber));
    }

    [Theory]
    [InlineData("{\"chosen\":\"Human: a\\n\\nAssistant: b\"}", "hh.jsonl line 5: field 'rejected' is missing")]
    [InlineData("{\"chosen\":\"Human: a\\n\\nAssistant: b\",\"rejected\":\"Human: c\\n\\nAssistant: d\"}", "hh.jsonl line 5: field 'rejected' differs from 'chosen' at turn 1 of 2; the two must share every turn but the last assistant turn")]
    [InlineData("{\"chosen\":\"Human: a\\n\\nAssistant: b\",\"rejected\":\"Human: a\"}", "hh.jsonl line 5: field 'rejected' must end with an assistant turn, found a user turn")]
    [InlineData("{\"chosen\":\"Human: a\\n\\nAssistant: b\",\"rejected\":\"Human: a\\n\\nAssistant: x\\n\\nHuman: y\\n\\nAssistant: z\"}", "hh.jsonl line 5: field 'rejected' has 4 turns but 'chosen' has 2; the two must share every turn but the last assistant turn")]
    [InlineData("{\"chosen\":\"Assistant: b\",\"rejected\":\"Assistant: c\"}", "hh.jsonl line 5: field 'chosen' must have a user (Human) turn right before its last assistant turn")]
    [InlineData("{\"chosen\":\"just text\",\"rejected\":\"Human: a\\n\\nAssistant: c\"}", "hh.jsonl line 5: field 'chosen' holds no 'Human:' or 'Assistant:' turn")]
    [InlineData("{\"chosen\":\"Human: a\\n\\nAssistant: b\",\"rejected\":\"Human: a\\n\\nAssistant: c\",\"uid\":\"\"}", "hh.jsonl line 5: field 'uid' must not be empty")]
    [InlineData("{\"chosen\":\"Human: a\\n\\nAssistant: b\",\"rejected\":\"Human: a\\n\\nAssistant: c\",\"uid\":[1]}", "hh.jsonl line 5: field 'uid' must be a string or an integer, found an array")]
    [InlineData("[1,2]", "hh.jsonl line 5: must be a JSON object, found an array")]
    public void A_bad_row_names_the_file_line_and_field(string line, string message)
    {
        var error = Assert.Throws<PreferenceDataException>(() => HhRlhfImporter.ParseRow(line, "hh.jsonl", 5, keyField: line.Contains("uid") ? "uid" : null));
        Assert.Equal(message, error.Message);
        Assert.Equal(5, error.LineNumber);
    }

    [Fact]
    public void A_requested_group_field_may_be_absent_but_a_requested_key_field_may_not()
    {
        const string Line = "{\"chosen\":\"Human: a\\n\\nAssistant: b\",\"rejected\":\"Human: a\\n\\nAssistant: c\"}";
        Assert.Null(HhRlhfImporter.ParseRow(Line, "hh.jsonl", 1, groupField: "kind").Group);
        Assert.Equal(
            "hh.jsonl line 1: field 'persona' is missing",
            Assert.Throws<PreferenceDataException>(() => HhRlhfImporter.ParseRow(Line, "hh.jsonl", 1, keyField: "persona")).Message);
    }
}
