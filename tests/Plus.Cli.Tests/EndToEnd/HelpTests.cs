namespace Plus.Cli.Tests.EndToEnd;

public class HelpTests
{
    [Fact]
    public async Task Plus_help_lists_every_command()
    {
        var root = await PlusTool.RunAsync("--help");
        Assert.True(root.ExitCode == 0, root.ToString());
        Assert.Contains("plus [command] [options]", root.Output);
        foreach (var command in new[] { "data", "train", "eval", "summarize", "predict", "plot" })
        {
            Assert.Matches($@"(?m)^\s+{command}\s", root.Output);
        }

        var data = await PlusTool.RunAsync("data", "--help");
        Assert.True(data.ExitCode == 0, data.ToString());
        foreach (var command in new[] { "pets", "pets-ood", "uf-p", "prism", "import" })
        {
            Assert.Matches($@"(?m)^\s+{command}\s", data.Output);
        }
    }

    [Theory]
    [InlineData("data pets", "--train-examples")]
    [InlineData("data pets-ood", "--test-examples")]
    [InlineData("data uf-p", "--variant")]
    [InlineData("data prism", "--min-conversations")]
    [InlineData("data import", "--user-type-field")]
    [InlineData("train", "--resume")]
    [InlineData("eval", "--json")]
    [InlineData("summarize", "--model")]
    [InlineData("predict", "--summary")]
    [InlineData("plot", "--metrics")]
    public async Task Every_command_has_help_with_its_usage_and_options(string command, string option)
    {
        var result = await PlusTool.RunAsync([.. command.Split(' '), "--help"]);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains($"plus {command} [options]", result.Output);
        Assert.Contains(option, result.Output);
        Assert.Empty(result.Error);
    }
}
