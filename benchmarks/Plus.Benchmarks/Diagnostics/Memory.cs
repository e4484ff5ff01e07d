using System.Globalization;

namespace Plus.Benchmarks.Diagnostics;

/// <summary>Resident memory of this process from <c>/proc/self/status</c> (Linux; 0 elsewhere).</summary>
internal static class Memory
{
    /// <summary>A <c>/proc/self/status</c> field in kB (<c>VmRSS</c>: now, <c>VmHWM</c>: peak).</summary>
    public static long ReadStatusKb(string field)
    {
        const string Path = "/proc/self/status";
        if (!File.Exists(Path)) return 0;
        foreach (var line in File.ReadLines(Path))
        {
            if (!line.StartsWith(field + ":", StringComparison.Ordinal)) continue;
            var parts = line[(field.Length + 1)..].Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            return long.Parse(parts[0], CultureInfo.InvariantCulture);
        }

        return 0;
    }
}
