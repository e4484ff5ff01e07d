using System.Text;

namespace Plus.Torch.Runtime;

/// <summary>
/// Explains a failure to load TorchSharp's native library when the cause is the one Plus.Torch's build step fixes:
/// TorchSharp 0.107.0's <c>libLibTorchSharp.so</c> requires <c>GLIBCXX_3.4.32</c>, which the system libstdc++ of
/// Debian 12 (and other distributions with GCC 12's runtime) lacks. TorchSharp's own message in that case blames a
/// missing <c>libtorch-cpu-linux-x64</c> reference, which is misleading. See docs/torchsharp-on-debian.md.
/// </summary>
internal static class TorchNativeDiagnostics
{
    /// <summary>The symbol version that TorchSharp 0.107.0's native library requires.</summary>
    internal const string RequiredVersion = "GLIBCXX_3.4.32";

    /// <summary>Where Linux distributions keep the system <c>libstdc++.so.6</c>, in the order the build step checks them.</summary>
    internal static readonly string[] LibStdCxxCandidates =
    [
        "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib/x86_64-linux-gnu/libstdc++.so.6",
        "/lib/aarch64-linux-gnu/libstdc++.so.6", "/usr/lib/aarch64-linux-gnu/libstdc++.so.6",
        "/usr/lib64/libstdc++.so.6", "/usr/lib/libstdc++.so.6",
    ];

    /// <summary>
    /// The first existing file of <paramref name="candidates"/> when it lacks <see cref="RequiredVersion"/>; null
    /// when it has it or when none exists (an unknown layout is not blamed).
    /// </summary>
    /// <param name="candidates">Paths of <c>libstdc++.so.6</c> to look at, in order; only the first that exists is read.</param>
    internal static string? FindOldLibStdCxx(IEnumerable<string> candidates)
    {
        ArgumentNullException.ThrowIfNull(candidates);
        foreach (string candidate in candidates)
        {
            if (!File.Exists(candidate)) continue;
            return Contains(File.ReadAllBytes(candidate), Encoding.ASCII.GetBytes(RequiredVersion + "\0")) ? null : candidate;
        }

        return null;
    }

    /// <summary>
    /// The exception to throw instead of <paramref name="inner"/> when this Linux system's libstdc++ is too old for
    /// TorchSharp's native library; null when that is not the cause (not Linux, a new enough libstdc++, or no
    /// <c>libLibTorchSharp.so</c> in the application folder, which means the backend package is missing).
    /// </summary>
    /// <param name="inner">TorchSharp's exception.</param>
    /// <param name="applicationDirectory">The application folder (default <see cref="AppContext.BaseDirectory"/>).</param>
    /// <param name="candidates">The libstdc++ paths to check (default <see cref="LibStdCxxCandidates"/>).</param>
    internal static InvalidOperationException? Explain(Exception inner, string? applicationDirectory = null, IEnumerable<string>? candidates = null)
    {
        ArgumentNullException.ThrowIfNull(inner);
        if (candidates is null && !OperatingSystem.IsLinux()) return null;
        string directory = applicationDirectory ?? AppContext.BaseDirectory;
        string? native = FindNativeLibrary(directory);
        if (native is null) return null;
        string? old = FindOldLibStdCxx(candidates ?? LibStdCxxCandidates);
        string first = Innermost(inner).Message.Split('\n', 2)[0].Trim();
        return old is null ? null : new InvalidOperationException(Message(old, native, first), inner);
    }

    /// <summary>
    /// The application's copy of <c>libLibTorchSharp.so</c>: in <paramref name="directory"/> (a RID-specific build or
    /// publish) or under its <c>runtimes/&lt;rid&gt;/native/</c>; null when there is none.
    /// </summary>
    /// <param name="directory">The application folder.</param>
    internal static string? FindNativeLibrary(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string flat = Path.Combine(directory, "libLibTorchSharp.so");
        if (File.Exists(flat)) return flat;
        string runtimes = Path.Combine(directory, "runtimes");
        if (!Directory.Exists(runtimes)) return null;
        return Directory.EnumerateDirectories(runtimes, "linux*")
            .Select(rid => Path.Combine(rid, "native", "libLibTorchSharp.so"))
            .Where(File.Exists)
            .Order(StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>The message naming the real cause and the fix.</summary>
    /// <param name="libStdCxx">The system libstdc++ that lacks <see cref="RequiredVersion"/>.</param>
    /// <param name="nativeLibrary">The application's copy of <c>libLibTorchSharp.so</c>.</param>
    /// <param name="torchSharpMessage">The first line of TorchSharp's own message, kept at the end (the whole of it stays in the inner exception).</param>
    internal static string Message(string libStdCxx, string nativeLibrary, string torchSharpMessage) =>
        $"TorchSharp's native library libLibTorchSharp.so cannot load: it requires the symbol version {RequiredVersion}, " +
        $"which this system's libstdc++ ({libStdCxx}) lacks (Debian 12 and other distributions with GCC 12's libstdc++). " +
        $"Plus.Torch's build step fixes the copy in an application's build and publish output on such a machine, and it has " +
        $"not been applied to {nativeLibrary}. Build or publish the application on Linux with the Plus.Torch " +
        "package referenced and without PlusSkipTorchSharpNativeFix=true, or run it on a distribution with GCC 13's libstdc++ " +
        "(Debian 13, Ubuntu 24.04); docs/torchsharp-on-debian.md in the Plus.Sdk repository describes the fix. " +
        $"TorchSharp said: {torchSharpMessage}";

    private static Exception Innermost(Exception ex)
    {
        while (ex.InnerException is not null) ex = ex.InnerException;
        return ex;
    }

    private static bool Contains(byte[] data, byte[] needle) => data.AsSpan().IndexOf(needle) >= 0;
}
