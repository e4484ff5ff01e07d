using Microsoft.Extensions.AI;
using Plus.Data;

namespace Plus.Cli.Tests.EndToEnd;

public class ImportCommandTests
{
    [Fact]
    public async Task Hh_rows_with_a_type_field_become_synthesized_users_whose_contexts_never_hold_their_target()
    {
        var folder = PlusTool.NewScratchFolder();
        var result = await PlusTool.RunAsync(
            "data", "import", "--format", "hh", "--input", PlusTool.Fixture("cli", "hh-personas.jsonl"), "--out", folder,
            "--user-type-field", "persona", "--context-pairs", "2", "--test-fraction", "0.2", "--seed", "5");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Read 30 rows from 1 file(s)", result.Output);

        var train = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "train.jsonl"));
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "test.jsonl"));
        Assert.Equal(24, train.Count); // 15 rows per persona, round(0.2 × 15) = 3 of each held out
        Assert.Equal(6, test.Count);
        Assert.Empty(train.Select(e => e.UserId).Intersect(test.Select(e => e.UserId)));

        foreach (var side in new[] { train, test })
        {
            var targetsOfSide = side.Select(e => e.Target).ToHashSet();
            foreach (var example in side)
            {
                Assert.Equal(2, example.Context.Pairs.Count);
                Assert.DoesNotContain(example.Target, example.Context.Pairs);
                Assert.All(example.Context.Pairs, pair => Assert.Contains(pair, targetsOfSide)); // drawn from the same side
                var sameType = side.Where(e => e.UserType == example.UserType).Select(e => e.Target).ToHashSet();
                Assert.All(example.Context.Pairs, pair => Assert.Contains(pair, sameType)); // and from the same type
            }
        }

        // Concise users chose the short answer, detailed users the long one, in targets and contexts alike.
        Assert.All(train.Concat(test), e => Assert.Equal(e.UserType == "concise", e.Target.Chosen.Length < e.Target.Rejected.Length));

        // Multi-turn transcripts: the shared turns are the prompt, ending with the last Human turn.
        var multiTurn = train.Concat(test).Single(e => e.Target.Prompt.LastUserText == "Is tea worth my time?");
        Assert.Equal(new[] { ChatRole.User, ChatRole.Assistant, ChatRole.User }, multiTurn.Target.Prompt.Turns.Select(t => t.Role));
        Assert.Equal("I want to learn about tea.", multiTurn.Target.Prompt.Turns[0].Content);
        Assert.Equal("Tea: the short answer is yes.", multiTurn.Target.Chosen);
    }

    [Fact]
    public async Task Trl_rows_with_a_user_field_are_split_by_user_and_contexts_come_from_the_users_other_rows()
    {
        var folder = PlusTool.NewScratchFolder();
        var result = await PlusTool.RunAsync(
            "data", "import", "--format", "trl", "--input", PlusTool.Fixture("cli", "trl-users.jsonl"), "--out", folder,
            "--user-field", "user_id", "--group-field", "topic_group", "--test-fraction", "0.25");
        Assert.True(result.ExitCode == 0, result.ToString());

        var train = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "train.jsonl"));
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "test.jsonl"));
        Assert.Equal(33, train.Count + test.Count);
        Assert.Equal(2, test.Select(e => e.UserId).Distinct().Count()); // round(0.25 × 8 users)
        Assert.Equal(6, train.Select(e => e.UserId).Distinct().Count());
        Assert.Empty(train.Select(e => e.UserId).Intersect(test.Select(e => e.UserId)));

        var all = train.Concat(test).ToList();
        foreach (var example in all)
        {
            var own = all.Where(e => e.UserId == example.UserId).Select(e => e.Target).ToHashSet();
            Assert.Equal(3, example.Context.Pairs.Count);
            Assert.DoesNotContain(example.Target, example.Context.Pairs);
            Assert.All(example.Context.Pairs, pair => Assert.Contains(pair, own));
        }

        // Conversational rows keep their system turn and carry the group; plain rows have no group.
        var conversational = all.Where(e => e.Group == "conversational").ToList();
        Assert.NotEmpty(conversational);
        Assert.All(conversational, e => Assert.Equal(ChatRole.System, e.Target.Prompt.Turns[0].Role));
        Assert.Contains(all, e => e.Group is null);

        // OpenRLHF-style rows whose responses repeat the prompt are reduced to the assistant reply.
        var kites = Assert.Single(all, e => e.Target.Prompt.LastUserText == "Any advice on kites?");
        Assert.Equal("oh kites? super fun, go for it!", kites.Target.Chosen);
    }

    [Fact]
    public async Task Several_inputs_are_read_and_plus_jsonl_is_resplit_by_user()
    {
        var pets = PlusTool.NewScratchFolder();
        Assert.Equal(0, (await PlusTool.RunAsync("data", "pets", "--out", pets, "--train-examples", "40", "--test-examples", "10")).ExitCode);
        var folder = PlusTool.NewScratchFolder();
        var result = await PlusTool.RunAsync(
            "data", "import", "--format", "jsonl", "--input", Path.Combine(pets, "train.jsonl"), "--input", Path.Combine(pets, "test.jsonl"),
            "--out", folder, "--test-fraction", "0.5");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Read 50 rows from 2 file(s)", result.Output);
        var train = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "train.jsonl"));
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "test.jsonl"));
        Assert.Equal(50, train.Count + test.Count);
        Assert.Equal(13, test.Select(e => e.UserId).Distinct().Count()); // round(0.5 × 25 users), away from zero
        Assert.Empty(train.Select(e => e.UserId).Intersect(test.Select(e => e.UserId)));
    }

    [Fact]
    public async Task Skip_bad_reports_every_bad_row_with_its_line_and_counts_them()
    {
        var folder = PlusTool.NewScratchFolder();
        var bad = PlusTool.Fixture("cli", "hh-bad.jsonl");
        var result = await PlusTool.RunAsync(
            "data", "import", "--format", "hh", "--input", bad, "--out", folder,
            "--user-type-field", "persona", "--context-pairs", "1", "--test-fraction", "0", "--skip-bad");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"{bad} line 4: field 'rejected' is missing", result.Error);
        Assert.Contains($"{bad} line 6: field 'rejected' differs from 'chosen' at turn 1", result.Error);
        Assert.Contains($"{bad} line 7: is not valid JSON", result.Error);
        Assert.Contains("Read 4 rows from 1 file(s), skipped 3 bad row(s)", result.Output);
        Assert.Equal(4, (await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "train.jsonl"))).Count);
    }
}
