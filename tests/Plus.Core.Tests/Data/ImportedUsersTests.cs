using FsCheck.Xunit;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class ImportedUsersTests
{
    private static ImportedPreferenceRow Row(int index, string key, string? group = null) =>
        new("rows.jsonl", index + 1, new PreferencePair(Conversation.FromUser($"prompt {index}"), $"good {index}", $"bad {index}"), key, group);

    private static List<ImportedPreferenceRow> Rows(int count, int keys) =>
        Enumerable.Range(0, count).Select(i => Row(i, $"k{i % keys}")).ToList();

    [Property(MaxTest = 40)]
    public void Synthesized_users_draw_contexts_from_other_rows_of_their_type_on_their_side_only(byte size, byte percent, int seed)
    {
        var rows = Rows(30 + size % 30, 3);
        var fraction = 0.3 + percent % 31 / 100.0; // 0.3 to 0.6 of at least 10 rows per type: both sides keep 3 or more (a target and 2 context pairs)
        var split = ImportedUsers.ByUserType(rows, 2, fraction, seed);

        Assert.Equal(rows.Count, split.Train.Count + split.Test.Count);
        Assert.Empty(split.Train.Select(e => e.UserId).Intersect(split.Test.Select(e => e.UserId)));
        Assert.Empty(split.Train.Select(e => e.Target).Intersect(split.Test.Select(e => e.Target)));
        foreach (var side in new[] { split.Train, split.Test })
        {
            foreach (var example in side)
            {
                Assert.Equal(2, example.Context.Pairs.Count);
                Assert.Equal(2, example.Context.Pairs.Distinct().Count());
                Assert.DoesNotContain(example.Target, example.Context.Pairs);
                var sameTypeSameSide = side.Where(e => e.UserType == example.UserType).Select(e => e.Target).ToHashSet();
                Assert.All(example.Context.Pairs, p => Assert.Contains(p, sameTypeSameSide));
            }
        }

        foreach (var type in rows.GroupBy(r => r.Key))
        {
            var expected = (int)Math.Round(fraction * type.Count(), MidpointRounding.AwayFromZero);
            Assert.Equal(expected, split.Test.Count(e => e.UserType == type.Key));
        }

        Assert.Equal(split, ImportedUsers.ByUserType(rows, 2, fraction, seed));
    }

    [Fact]
    public void Synthesized_user_ids_are_unique_and_name_the_type()
    {
        var split = ImportedUsers.ByUserType(Rows(12, 2), 3, 0, 1);
        Assert.Equal(12, split.Train.Select(e => e.UserId).Distinct().Count());
        Assert.All(split.Train, e => Assert.StartsWith(e.UserType + "-", e.UserId));
    }

    [Fact]
    public void Too_few_rows_of_a_type_on_a_side_is_an_error_naming_the_type_and_side()
    {
        var error = Assert.Throws<InvalidOperationException>(() => ImportedUsers.ByUserType(Rows(10, 2), 3, 0.5, 0));
        Assert.Matches(@"^User type 'k0' has (3 row\(s\) on the test|2 row\(s\) on the training) side; rows.jsonl line \d+ has only \d other distinct row\(s\) there to draw 3 context pair\(s\) from\.", error.Message);
    }

    [Fact]
    public void Users_from_an_id_field_get_contexts_from_their_own_other_rows_and_are_split_whole()
    {
        var rows = Rows(40, 8).Select(r => r with { Group = r.LineNumber % 2 == 0 ? "even" : null }).ToList();
        var split = ImportedUsers.ByUserId(rows, 3, 0.25, 7);
        var all = split.Train.Concat(split.Test).ToList();

        Assert.Equal(40, all.Count);
        Assert.Equal(2, split.Test.Select(e => e.UserId).Distinct().Count());
        Assert.Empty(split.Train.Select(e => e.UserId).Intersect(split.Test.Select(e => e.UserId)));
        foreach (var example in all)
        {
            var own = all.Where(e => e.UserId == example.UserId).Select(e => e.Target).ToHashSet();
            Assert.Equal(3, example.Context.Pairs.Count);
            Assert.DoesNotContain(example.Target, example.Context.Pairs);
            Assert.All(example.Context.Pairs, p => Assert.Contains(p, own));
        }

        Assert.Equal(20, all.Count(e => e.Group == "even"));
        Assert.Equal(split, ImportedUsers.ByUserId(rows, 3, 0.25, 7));
    }

    [Fact]
    public void A_user_with_few_rows_gets_a_shorter_context_and_a_missing_key_names_the_row()
    {
        var split = ImportedUsers.ByUserId([Row(0, "solo"), Row(1, "solo")], 3, 0, 0);
        Assert.All(split.Train, e => Assert.Single(e.Context.Pairs));

        var error = Assert.Throws<ArgumentException>(() => ImportedUsers.ByUserId([Row(0, "a") with { Key = null }], 1, 0, 0));
        Assert.StartsWith("rows.jsonl line 1 has no user id or user type.", error.Message);
    }
}
