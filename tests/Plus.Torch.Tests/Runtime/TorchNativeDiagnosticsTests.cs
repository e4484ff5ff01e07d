using System.Text;
using Plus.Torch.Runtime;

namespace Plus.Torch.Tests.Runtime;

public sealed class TorchNativeDiagnosticsTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "plus-native-diag-" + Guid.NewGuid().ToString("N"));

    public TorchNativeDiagnosticsTests() => Directory.CreateDirectory(_root);

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    /// <summary>A stand-in for libstdc++.so.6: binary noise around the NUL-terminated version strings it defines.</summary>
    private string FakeLibStdCxx(string name, params string[] versions)
    {
        string path = Path.Combine(_root, name);
        var bytes = new List<byte> { 0x7F, (byte)'E', (byte)'L', (byte)'F', 0, 1, 2 };
        foreach (string v in versions) bytes.AddRange(Encoding.ASCII.GetBytes(v + "\0"));
        File.WriteAllBytes(path, [.. bytes]);
        return path;
    }

    private string AppWithNativeLibrary()
    {
        string app = Path.Combine(_root, "app");
        string native = Path.Combine(app, "runtimes", "linux-x64", "native");
        Directory.CreateDirectory(native);
        File.WriteAllBytes(Path.Combine(native, "libLibTorchSharp.so"), [0x7F, (byte)'E', (byte)'L', (byte)'F']);
        return app;
    }

    [Fact]
    public void A_libstdcxx_that_stops_at_3_4_30_is_found_and_one_with_3_4_32_is_not()
    {
        string debian12 = FakeLibStdCxx("old.so.6", "GLIBCXX_3.4.29", "GLIBCXX_3.4.30");
        string debian13 = FakeLibStdCxx("new.so.6", "GLIBCXX_3.4.30", "GLIBCXX_3.4.32", "GLIBCXX_3.4.33");
        string prefixOnly = FakeLibStdCxx("prefix.so.6", "GLIBCXX_3.4.320");

        Assert.Equal(debian12, TorchNativeDiagnostics.FindOldLibStdCxx([debian12]));
        Assert.Null(TorchNativeDiagnostics.FindOldLibStdCxx([debian13]));
        Assert.Equal(prefixOnly, TorchNativeDiagnostics.FindOldLibStdCxx([prefixOnly]));
        // Only the first existing candidate counts, as for the loader; no libstdc++ at all blames nothing.
        Assert.Null(TorchNativeDiagnostics.FindOldLibStdCxx([Path.Combine(_root, "missing"), debian13, debian12]));
        Assert.Null(TorchNativeDiagnostics.FindOldLibStdCxx([Path.Combine(_root, "missing")]));
    }

    [Fact]
    public void TorchSharps_misleading_error_on_an_old_libstdcxx_becomes_one_that_names_the_cause_and_the_fix()
    {
        string old = FakeLibStdCxx("old.so.6", "GLIBCXX_3.4.30");
        string app = AppWithNativeLibrary();
        var torchSharp = new TypeInitializationException("TorchSharp.torch", new NotSupportedException(
            "This application or script uses TorchSharp but doesn't contain a reference to libtorch-cpu-linux-x64, Version=2.10.0.0.\n\nTrace..."));

        var explained = TorchNativeDiagnostics.Explain(torchSharp, app, [old]);

        Assert.NotNull(explained);
        Assert.Same(torchSharp, explained.InnerException);
        Assert.Contains("GLIBCXX_3.4.32", explained.Message, StringComparison.Ordinal);
        Assert.Contains(old, explained.Message, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(app, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), explained.Message, StringComparison.Ordinal);
        Assert.Contains("PlusSkipTorchSharpNativeFix", explained.Message, StringComparison.Ordinal);
        Assert.Contains("docs/torchsharp-on-debian.md", explained.Message, StringComparison.Ordinal);
        Assert.Contains("doesn't contain a reference to libtorch-cpu-linux-x64", explained.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("Trace...", explained.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Other_causes_are_left_to_TorchSharps_own_message()
    {
        var torchSharp = new TypeInitializationException("TorchSharp.torch", new NotSupportedException("no libtorch"));
        string app = AppWithNativeLibrary();
        // A new enough libstdc++: not our cause.
        Assert.Null(TorchNativeDiagnostics.Explain(torchSharp, app, [FakeLibStdCxx("new.so.6", "GLIBCXX_3.4.32")]));
        // No libLibTorchSharp.so in the application at all: the backend package is missing, which TorchSharp says.
        string empty = Path.Combine(_root, "empty");
        Directory.CreateDirectory(empty);
        Assert.Null(TorchNativeDiagnostics.Explain(torchSharp, empty, [FakeLibStdCxx("old.so.6", "GLIBCXX_3.4.30")]));
    }

    [Fact]
    public void The_native_library_is_found_flat_or_under_runtimes()
    {
        string app = AppWithNativeLibrary();
        Assert.Equal(Path.Combine(app, "runtimes", "linux-x64", "native", "libLibTorchSharp.so"), TorchNativeDiagnostics.FindNativeLibrary(app));
        File.WriteAllBytes(Path.Combine(app, "libLibTorchSharp.so"), [1]);
        Assert.Equal(Path.Combine(app, "libLibTorchSharp.so"), TorchNativeDiagnostics.FindNativeLibrary(app));
    }

    [Fact]
    public void This_test_run_loads_TorchSharp_so_its_own_output_copy_is_usable_here()
    {
        // The test project's bin holds the copy that the build step patched (on systems that need it) or left alone.
        if (OperatingSystem.IsLinux()) Assert.NotNull(TorchNativeDiagnostics.FindNativeLibrary(AppContext.BaseDirectory));
        Assert.Equal(TorchSharp.DeviceType.CPU, TorchRuntime.ResolveDevice("cpu").type);
    }
}
