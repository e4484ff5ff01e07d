using Plus.Data;

namespace Plus.Cli.Tests.EndToEnd;

public class DataCommandTests
{
    [Fact]
    public async Task Pets_writes_train_and_test_of_the_requested_sizes_and_the_same_seed_gives_the_same_files()
    {
        var first = PlusTool.NewScratchFolder();
        var again = PlusTool.NewScratchFolder();
        var other = PlusTool.NewScratchFolder();
        string[] Args(string folder, int seed) => ["data", "pets", "--out", folder, "--train-examples", "40", "--test-examples", "12", "--seed", seed.ToString(System.Globalization.CultureInfo.InvariantCulture)];

        var result = await PlusTool.RunAsync(Args(first, 3));
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.True((await PlusTool.RunAsync(Args(again, 3))).ExitCode == 0);
        Assert.True((await PlusTool.RunAsync(Args(other, 4))).ExitCode == 0);

        var train = await PreferenceJsonl.ReadAllAsync(Path.Combine(first, "train.jsonl"));
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(first, "test.jsonl"));
        Assert.Equal(40, train.Count);
        Assert.Equal(12, test.Count);
        Assert.Empty(train.Select(e => e.UserId).Intersect(test.Select(e => e.UserId)));
        Assert.All(train.Concat(test), e => Assert.Equal(3, e.Context.Pairs.Count));
        Assert.Contains("Wrote 40 examples of 20 users", result.Output);
        Assert.Equal(File.ReadAllBytes(Path.Combine(first, "train.jsonl")), File.ReadAllBytes(Path.Combine(again, "train.jsonl")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(first, "train.jsonl")), File.ReadAllBytes(Path.Combine(other, "train.jsonl")));
    }

    [Fact]
    public async Task Pets_ood_writes_only_test_jsonl_with_rabbit_and_bird_users()
    {
        var folder = PlusTool.NewScratchFolder();
        var result = await PlusTool.RunAsync("data", "pets-ood", "--out", folder, "--test-examples", "20");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.False(File.Exists(Path.Combine(folder, "train.jsonl")));
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "test.jsonl"));
        Assert.Equal(20, test.Count);
        Assert.Equal(new[] { "bird", "rabbit" }, test.Select(e => e.UserType).Distinct().Order());
    }

    [Fact]
    public async Task Uf_p_builds_from_an_ultrafeedback_file()
    {
        var folder = PlusTool.NewScratchFolder();
        var result = await PlusTool.RunAsync(
            "data", "uf-p", "--input", PlusTool.Fixture("data", "ultrafeedback-mini.jsonl"), "--out", folder,
            "--variant", "4", "--train-examples", "60", "--test-examples", "20", "--test-prompt-fraction", "0.25");
        Assert.True(result.ExitCode == 0, result.ToString());
        var train = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "train.jsonl"));
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "test.jsonl"));
        Assert.Equal(60, train.Count);
        Assert.Equal(20, test.Count);
        Assert.Equal(4, train.Select(e => e.UserType).Distinct().Count());
    }

    [Fact]
    public async Task Prism_builds_from_a_folder_with_survey_and_conversations()
    {
        var folder = PlusTool.NewScratchFolder();
        var result = await PlusTool.RunAsync("data", "prism", "--input", PlusTool.Fixture("data", "prism-mini"), "--out", folder, "--no-profile");
        Assert.True(result.ExitCode == 0, result.ToString());
        var test = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "test.jsonl"));
        var train = await PreferenceJsonl.ReadAllAsync(Path.Combine(folder, "train.jsonl"));
        Assert.Equal(new[] { "user1", "user2", "user3" }, test.Select(e => e.UserId));
        Assert.NotEmpty(train);
        Assert.All(train.Concat(test), e => Assert.Null(e.Context.Profile));

        // user5 has no stated preferences: left out unless asked for.
        var keep = PlusTool.NewScratchFolder();
        var kept = await PlusTool.RunAsync(
            "data", "prism", "--input", PlusTool.Fixture("data", "prism-mini"), "--out", keep, "--keep-unrated-users", "--min-conversations", "2", "--min-pairs", "0");
        Assert.True(kept.ExitCode == 0, kept.ToString());
        Assert.Contains("user5", (await PreferenceJsonl.ReadAllAsync(Path.Combine(keep, "test.jsonl"))).Select(e => e.UserId));
    }
}
