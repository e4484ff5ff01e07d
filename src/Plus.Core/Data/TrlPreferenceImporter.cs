using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Plus.Data;

/// <summary>
/// Reads TRL / OpenRLHF preference rows: <c>prompt</c>, <c>chosen</c> and <c>rejected</c>, each a plain string or a
/// conversational list of <c>{"role": "user"|"assistant"|"system", "content": "…"}</c> messages.
/// </summary>
/// <remarks>
/// <para><b>Explicit prompt.</b> A string prompt is one user turn; a message-list prompt must end with a user turn.
/// A string response is the response; a message-list response is either one assistant message (TRL) or the whole
/// conversation starting with the prompt's messages and ending with one assistant message (OpenRLHF with a chat
/// template), whose prompt part is dropped.</para>
/// <para><b>Implicit prompt</b> (no <c>prompt</c> field): <c>chosen</c> and <c>rejected</c> are whole conversations
/// that share every message but the last assistant one; the shared part is the prompt.</para>
/// <para>Every failure is a <see cref="PreferenceDataException"/> naming the file, line and field. Thread-safe.</para>
/// </remarks>
public static class TrlPreferenceImporter
{
    /// <summary>Parses one JSONL row.</summary>
    /// <param name="line">The JSON object text.</param>
    /// <param name="sourceName">How error messages name the file.</param>
    /// <param name="lineNumber">The 1-based line number used in error messages.</param>
    /// <param name="keyField">The field holding the user id or user type, or null for none.</param>
    /// <param name="groupField">The field holding the evaluation group, or null for none; rows without it get no group.</param>
    /// <exception cref="PreferenceDataException">The row is not valid JSON, misses a field, or its messages do not form a pair.</exception>
    public static ImportedPreferenceRow ParseRow(string line, string sourceName, long lineNumber, string? keyField = null, string? groupField = null)
    {
        ArgumentNullException.ThrowIfNull(line);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        var at = new JsonLine(sourceName, lineNumber);
        using var document = at.Parse(line);
        var root = document.RootElement;
        var chosenElement = at.Require(root, "chosen", "chosen");
        var rejectedElement = at.Require(root, "rejected", "rejected");
        PreferencePair pair;
        if (JsonLine.Optional(root, "prompt") is { } promptElement)
        {
            var prompt = promptElement.ValueKind == JsonValueKind.String
                ? new List<ChatTurn> { ChatTurn.User(promptElement.GetString()!) }
                : Messages(at, promptElement, "prompt");
            if (prompt.Count == 0) throw at.Error("prompt", "holds no messages");
            if (prompt[^1].Role != ChatRole.User) throw at.Error("prompt", $"must end with a user message, found a {prompt[^1].Role.Value} message");
            pair = new PreferencePair(
                new Conversation(new ValueList<ChatTurn>(prompt)),
                Response(at, chosenElement, "chosen", prompt),
                Response(at, rejectedElement, "rejected", prompt));
        }
        else
        {
            if (chosenElement.ValueKind != JsonValueKind.Array)
            {
                throw at.Error("prompt", "is missing (it may only be left out when 'chosen' and 'rejected' are whole message lists)");
            }

            pair = SharedPrefix.Split(at, Messages(at, chosenElement, "chosen"), Messages(at, rejectedElement, "rejected"), "chosen", "rejected");
        }

        return new ImportedPreferenceRow(sourceName, lineNumber, pair, ImportFields.Read(at, root, keyField), ImportFields.ReadOptional(at, root, groupField));
    }

    private static string Response(JsonLine at, JsonElement element, string field, List<ChatTurn> prompt)
    {
        if (element.ValueKind == JsonValueKind.String) return element.GetString()!;
        var messages = Messages(at, element, field);
        if (messages.Count == prompt.Count + 1 && messages.Take(prompt.Count).SequenceEqual(prompt))
        {
            messages = messages.Skip(prompt.Count).ToList();
        }

        if (messages.Count != 1)
        {
            throw at.Error(field, $"must hold one assistant message (optionally after the prompt's {prompt.Count} message(s)), found {messages.Count} message(s)");
        }

        if (messages[0].Role != ChatRole.Assistant)
        {
            throw at.Error(field, $"must be an assistant message, found a {messages[0].Role.Value} message");
        }

        return messages[0].Content;
    }

    private static List<ChatTurn> Messages(JsonLine at, JsonElement element, string field)
    {
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw at.Error(field, $"must be a string or a list of {{role, content}} messages, found {JsonLine.Describe(element.ValueKind)}");
        }

        var turns = new List<ChatTurn>();
        var index = 0;
        foreach (var message in element.EnumerateArray())
        {
            var path = JsonLine.Index(field, index++);
            at.AsObject(message, path);
            var role = at.RequireString(message, "role", JsonLine.Path(path, "role"));
            var content = at.RequireString(message, "content", JsonLine.Path(path, "content"));
            turns.Add(role switch
            {
                "user" => ChatTurn.User(content),
                "assistant" => ChatTurn.Assistant(content),
                "system" => ChatTurn.System(content),
                _ => throw at.Error(JsonLine.Path(path, "role"), $"must be 'user', 'assistant' or 'system', found '{role}'"),
            });
        }

        return turns;
    }
}
