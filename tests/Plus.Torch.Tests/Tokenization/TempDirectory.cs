namespace Plus.Torch.Tests.Tokenization;

internal static class TempDirectory
{
    public static string Create()
    {
        string dir = Path.Combine(Path.GetTempPath(), "plus-tok-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        return dir;
    }
}
