namespace Plus.Torch.Checkpoints;

/// <summary>
/// Keeps file names read from a model folder's own files (the shard index) inside that folder: no absolute paths,
/// no <c>..</c>, and no symbolic link that leads out of it. The one exception is the layout of the Hugging Face
/// hub cache, where <c>models--org--name/snapshots/&lt;revision&gt;/x</c> is a link into
/// <c>models--org--name/blobs/</c>: links into the same repository's <c>blobs</c> folder are followed.
/// </summary>
internal static class ModelFolder
{
    private const int MaxLinkDepth = 40;

    private static readonly StringComparison PathComparison =
        OperatingSystem.IsWindows() || OperatingSystem.IsMacOS() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;

    /// <summary>The real (link-free) folders a file of <paramref name="directory"/> may resolve into.</summary>
    public static IReadOnlyList<string> AllowedRoots(string directory)
    {
        string full = Path.GetFullPath(directory);
        var roots = new List<string> { RealPath(full) ?? full };
        string? parent = Path.GetDirectoryName(Path.TrimEndingDirectorySeparator(full));
        string? repo = parent is null ? null : Path.GetDirectoryName(parent);
        if (parent is not null && repo is not null
            && Path.GetFileName(parent) == "snapshots"
            && Path.GetFileName(repo).StartsWith("models--", StringComparison.Ordinal))
        {
            string blobs = Path.Combine(repo, "blobs");
            roots.Add(RealPath(blobs) ?? blobs);
        }

        return roots;
    }

    /// <summary>
    /// Resolves <paramref name="name"/> (as written in <paramref name="indexPath"/>) against <paramref name="directory"/>
    /// and returns the full path, or throws when it would leave the folder.
    /// </summary>
    /// <exception cref="CheckpointException">The name is empty, absolute, climbs out with <c>..</c>, holds control characters, or resolves (through links) outside the allowed roots.</exception>
    public static string ResolveInside(string directory, IReadOnlyList<string> roots, string name, string indexPath, string tensorName)
    {
        CheckpointException Refuse(string why) =>
            new($"Shard index '{indexPath}' maps tensor '{tensorName}' to '{Printable(name)}', which {why}; shard names must be files inside '{directory}'.", indexPath, tensorName);

        if (string.IsNullOrWhiteSpace(name)) throw Refuse("is empty");
        if (name.Any(char.IsControl)) throw Refuse("holds control characters");
        if (Path.IsPathRooted(name) || name.StartsWith('/') || name.StartsWith('\\') || name.Contains(':', StringComparison.Ordinal))
        {
            throw Refuse("is an absolute path");
        }

        if (name.Split('/', '\\').Any(part => part == ".."))
        {
            throw Refuse("climbs out of the folder with '..'");
        }

        string full = Path.GetFullPath(Path.Combine(directory, name));
        if (!IsUnder(full, Path.GetFullPath(directory))) throw Refuse("is outside the folder");
        if (!File.Exists(full) && !Directory.Exists(full) && new FileInfo(full).LinkTarget is null) return full;
        string real = RealPath(full) ?? throw Refuse("is a chain of symbolic links too long to follow");
        if (!roots.Any(root => IsUnder(real, root) || string.Equals(real, root, PathComparison)))
        {
            throw Refuse($"is a symbolic link to '{real}', outside the folder");
        }

        return full;
    }

    /// <summary>The path with every symbolic link resolved, or null for a loop or a chain deeper than 40 links.</summary>
    public static string? RealPath(string fullPath) => RealPath(fullPath, 0);

    private static string? RealPath(string fullPath, int depth)
    {
        if (depth > MaxLinkDepth) return null;
        string root = Path.GetPathRoot(fullPath) ?? string.Empty;
        string current = root;
        foreach (string part in fullPath[root.Length..].Split([Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar], StringSplitOptions.RemoveEmptyEntries))
        {
            string next = Path.Combine(current, part);
            string? target = new FileInfo(next).LinkTarget;
            if (target is not null)
            {
                string? resolved = RealPath(Path.GetFullPath(target, current), depth + 1);
                if (resolved is null) return null;
                next = resolved;
            }

            current = next;
        }

        return current;
    }

    private static bool IsUnder(string path, string root)
    {
        string prefix = Path.TrimEndingDirectorySeparator(root) + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, PathComparison);
    }

    private static string Printable(string name)
    {
        var chars = name.Select(c => char.IsControl(c) ? '?' : c).ToArray();
        string s = new(chars);
        return s.Length <= 200 ? s : s[..200] + "...";
    }
}
