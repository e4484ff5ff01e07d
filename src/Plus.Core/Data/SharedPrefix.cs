using Microsoft.Extensions.AI;

namespace Plus.Data;

/// <summary>
/// Turns two whole conversations that differ only in their last assistant turn (HH-RLHF transcripts, TRL's implicit
/// prompt format) into a <see cref="PreferencePair"/>: the shared turns are the prompt, the last turns the responses.
/// </summary>
internal static class SharedPrefix
{
    public static PreferencePair Split(JsonLine at, IReadOnlyList<ChatTurn> chosen, IReadOnlyList<ChatTurn> rejected, string chosenField, string rejectedField)
    {
        CheckEndsWithAssistant(at, chosen, chosenField);
        CheckEndsWithAssistant(at, rejected, rejectedField);
        if (chosen.Count != rejected.Count)
        {
            throw at.Error(
                rejectedField,
                $"has {rejected.Count} turns but '{chosenField}' has {chosen.Count}; the two must share every turn but the last assistant turn");
        }

        for (var i = 0; i < chosen.Count - 1; i++)
        {
            if (chosen[i] != rejected[i])
            {
                throw at.Error(
                    rejectedField,
                    $"differs from '{chosenField}' at turn {i + 1} of {chosen.Count}; the two must share every turn but the last assistant turn");
            }
        }

        var prompt = chosen.Take(chosen.Count - 1).ToList();
        if (prompt.Count == 0 || prompt[^1].Role != ChatRole.User)
        {
            throw at.Error(chosenField, "must have a user (Human) turn right before its last assistant turn");
        }

        return new PreferencePair(new Conversation(new ValueList<ChatTurn>(prompt)), chosen[^1].Content, rejected[^1].Content);
    }

    private static void CheckEndsWithAssistant(JsonLine at, IReadOnlyList<ChatTurn> turns, string field)
    {
        if (turns.Count == 0) throw at.Error(field, "holds no turns");
        if (turns[^1].Role != ChatRole.Assistant)
        {
            throw at.Error(field, $"must end with an assistant turn, found a {turns[^1].Role.Value} turn");
        }
    }
}
