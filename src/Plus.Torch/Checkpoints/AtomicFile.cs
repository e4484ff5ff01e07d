using System.Text;

namespace Plus.Torch.Checkpoints;

/// <summary>Writes small text files atomically (temporary file beside the target, then rename).</summary>
internal static class AtomicFile
{
    public static void WriteAllText(string path, string contents)
    {
        string full = Path.GetFullPath(path);
        string? dir = Path.GetDirectoryName(full);
        if (!string.IsNullOrEmpty(dir)) Directory.CreateDirectory(dir);
        string tmp = full + ".tmp-" + Guid.NewGuid().ToString("N");
        try
        {
            File.WriteAllText(tmp, contents, new UTF8Encoding(false));
            File.Move(tmp, full, overwrite: true);
        }
        catch
        {
            if (File.Exists(tmp)) File.Delete(tmp);
            throw;
        }
    }
}
