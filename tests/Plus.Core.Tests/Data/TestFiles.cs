namespace Plus.Core.Tests.Data;

/// <summary>Paths of copied fixtures and scratch folders for the data tests.</summary>
internal static class TestFiles
{
    public static string Fixture(params string[] parts) =>
        Path.Combine(new[] { AppContext.BaseDirectory, "fixtures", "data" }.Concat(parts).ToArray());

    public static string NewScratchFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "plus-data-tests", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        return folder;
    }
}
