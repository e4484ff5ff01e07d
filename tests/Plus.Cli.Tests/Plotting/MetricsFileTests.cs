using Plus.Cli.Plotting;

namespace Plus.Cli.Tests.Plotting;

public class MetricsFileTests
{
    private static string Write(string text)
    {
        var path = Path.Combine(Path.GetTempPath(), "plus-cli-tests", Guid.NewGuid().ToString("N") + ".jsonl");
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    [Fact]
    public void Series_are_grouped_by_metric_and_stage_with_nan_strings_read_as_numbers()
    {
        var path = Write(
            "{\"step\":1,\"stage\":\"bt-train\",\"time\":\"t\",\"loss\":0.7}\n\n" +
            "{\"step\":2,\"stage\":\"bt-train\",\"time\":\"t\",\"loss\":0.5,\"note\":\"text is ignored\"}\n" +
            "{\"step\":3,\"stage\":\"ppo\",\"reward_mean\":\"NaN\",\"kl\":\"Infinity\",\"loss\":0.1}\n");
        var series = MetricsFile.Read(path);

        Assert.Equal(new[] { ("loss", "bt-train"), ("reward_mean", "ppo"), ("kl", "ppo"), ("loss", "ppo") }, series.Select(s => (s.Metric, s.Stage!)));
        Assert.Equal(new[] { 1.0, 2.0 }, series[0].Steps);
        Assert.Equal(new[] { 0.7, 0.5 }, series[0].Values);
        Assert.True(double.IsNaN(series[1].Values[0]));
        Assert.True(double.IsPositiveInfinity(series[2].Values[0]));
    }

    [Fact]
    public void Panels_follow_the_known_quantities_then_one_per_other_metric()
    {
        var path = Write("{\"step\":1,\"lr\":0.1,\"kl\":0.2,\"rm_accuracy\":0.5,\"accuracy\":0.6,\"summary_tokens\":9}\n");
        var panels = MetricsPlotter.Panels(MetricsFile.Read(path));
        Assert.Equal(new[] { "KL", "Reward-model accuracy", "Summary length", "lr" }, panels.Select(p => p.Title));
        Assert.Equal(new[] { "rm_accuracy", "accuracy" }, panels[1].Series.Select(s => s.Metric));
    }

    [Fact]
    public void A_line_without_a_numeric_step_names_the_file_and_line()
    {
        var path = Write("{\"step\":1,\"kl\":0.1}\n{\"step\":\"two\",\"kl\":0.2}\n");
        var error = Assert.Throws<InvalidDataException>(() => MetricsFile.Read(path));
        Assert.Equal($"{path} line 2: field 'step' must be a number", error.Message);

        var broken = Write("{\"step\":1,\"kl\":0.1}\n{\"step\":2,");
        Assert.StartsWith($"{broken} line 2: is not valid JSON", Assert.Throws<InvalidDataException>(() => MetricsFile.Read(broken)).Message);
    }
}
