using System.Reflection;
using Plus.Torch.Persistence;
using Plus.Torch.Tests.Training;

namespace Plus.Torch.Tests.EndToEnd;

/// <summary>The README's "Using it" code is samples/Plus.UsingIt/Program.cs, and it runs as written.</summary>
[Collection(TorchGlobalRngCollection.Name)]
public class ReadmeExampleTests
{
    private static string RepositoryRoot()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Plus.Sdk.sln"))) dir = dir.Parent;
        return dir?.FullName ?? throw new InvalidOperationException("Plus.Sdk.sln not found above " + AppContext.BaseDirectory);
    }

    [Fact]
    public void The_readme_shows_the_using_it_sample_character_for_character()
    {
        string root = RepositoryRoot();
        string readme = File.ReadAllText(Path.Combine(root, "README.md")).ReplaceLineEndings("\n");
        int section = readme.IndexOf("## Using it", StringComparison.Ordinal);
        Assert.True(section >= 0, "README has no '## Using it' section");
        int start = readme.IndexOf("```csharp\n", section, StringComparison.Ordinal) + "```csharp\n".Length;
        int end = readme.IndexOf("```", start, StringComparison.Ordinal);
        string shown = readme[start..end].TrimEnd();
        string sample = File.ReadAllText(Path.Combine(root, "samples", "Plus.UsingIt", "Program.cs")).ReplaceLineEndings("\n").TrimEnd();
        Assert.Equal(sample, shown);
    }

    [Fact]
    [Trait("Category", "Slow")]
    public void The_using_it_sample_trains_saves_serves_and_uses_an_edited_summary()
    {
        string outDir = Path.Combine(Path.GetTempPath(), "plus-using-it-test", Guid.NewGuid().ToString("N"));
        var entry = Assembly.Load("Plus.UsingIt").EntryPoint!;
        var output = new StringWriter();
        var original = Console.Out;
        Console.SetOut(output);
        try
        {
            entry.Invoke(null, [new[] { outDir }]); // the synthesized synchronous entry point waits for the program
        }
        finally
        {
            Console.SetOut(original);
        }

        string text = output.ToString();
        Assert.Contains("accuracy ", text, StringComparison.Ordinal);
        Assert.Contains("summary: ", text, StringComparison.Ordinal);
        Assert.Contains("with the edited summary", text, StringComparison.Ordinal);
        using var model = TrainedModel.Load(Path.Combine(outDir, "model"));
        Assert.Equal("PLUS", model.Name);
        Assert.Equal(640, model.Metadata.TrainExamples);
        Directory.Delete(outDir, recursive: true);
    }
}
