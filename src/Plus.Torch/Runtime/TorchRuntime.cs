using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Runtime;

/// <summary>Chooses and initializes the TorchSharp device Plus.Torch runs on.</summary>
/// <remarks>Thread-safe. CUDA must be initialized before any other torch call, so call this first.</remarks>
public static class TorchRuntime
{
    private static readonly Lock Gate = new();
    private static DeviceType? _initialized;

    /// <summary>
    /// Resolves a device name (<c>cpu</c>, <c>cuda</c>, <c>cuda:N</c> or <c>auto</c>) and initializes its backend.
    /// <c>auto</c> picks CUDA when a CUDA backend package is referenced and a GPU is present, else the CPU.
    /// </summary>
    /// <param name="name">The device name (case-insensitive).</param>
    /// <returns>The TorchSharp device.</returns>
    /// <exception cref="ArgumentException">The name is not one of the forms above.</exception>
    /// <exception cref="InvalidOperationException">
    /// CUDA was asked for and is not available (the message says which package to add), or TorchSharp's native library
    /// cannot load because the system libstdc++ is too old (the message names <c>GLIBCXX_3.4.32</c> and the fix).
    /// </exception>
    public static Device ResolveDevice(string name)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string n = name.Trim().ToLowerInvariant();
        lock (Gate)
        {
            if (n == "auto")
            {
                n = TryInitialize(DeviceType.CUDA) && cuda.is_available() ? "cuda" : "cpu";
            }

            if (n == "cpu")
            {
                if (_initialized is null) InitializeCpu();
                return CPU;
            }

            if (n == "cuda" || n.StartsWith("cuda:", StringComparison.Ordinal))
            {
                if (!TryInitialize(DeviceType.CUDA) || !cuda.is_available())
                {
                    throw new InvalidOperationException(
                        $"Device '{name}' was requested but CUDA is not available. Reference TorchSharp-cuda-linux (or TorchSharp-cuda-windows) " +
                        "instead of TorchSharp-cpu, or point LD_LIBRARY_PATH at a CUDA libtorch, and check that a GPU is visible.");
                }

                return new Device(n);
            }
        }

        throw new ArgumentException($"Unknown device '{name}'. Use 'cpu', 'cuda', 'cuda:N' or 'auto'.", nameof(name));
    }

    /// <summary>
    /// Resolves a parameter dtype name for <paramref name="device"/>: <c>auto</c> (or null/empty) is bf16 on CUDA and fp32
    /// on the CPU; <c>float32</c>/<c>fp32</c>, <c>bfloat16</c>/<c>bf16</c> and <c>float16</c>/<c>fp16</c> name one.
    /// </summary>
    /// <param name="name">The dtype name (case-insensitive), or null for <c>auto</c>.</param>
    /// <param name="device">The device the model runs on.</param>
    /// <returns>The dtype.</returns>
    /// <exception cref="ArgumentException">The name is not one of the forms above.</exception>
    public static ScalarType ResolveDType(string? name, Device device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return (name ?? "auto").Trim().ToLowerInvariant() switch
        {
            "" or "auto" => device.type == DeviceType.CUDA ? ScalarType.BFloat16 : ScalarType.Float32,
            "float32" or "fp32" or "float" => ScalarType.Float32,
            "bfloat16" or "bf16" => ScalarType.BFloat16,
            "float16" or "fp16" or "half" => ScalarType.Float16,
            _ => throw new ArgumentException($"Unknown dtype '{name}'. Use 'auto', 'float32', 'bfloat16' or 'float16'.", nameof(name)),
        };
    }

    private static void InitializeCpu()
    {
        try
        {
            InitializeDeviceType(DeviceType.CPU);
            _initialized = DeviceType.CPU;
        }
        catch (Exception ex) when (ex is NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            // On Debian 12 TorchSharp reports a missing libtorch-cpu-linux-x64 reference; name the real cause instead.
            if (TorchNativeDiagnostics.Explain(ex) is { } native) throw native;
            throw;
        }
    }

    private static bool TryInitialize(DeviceType type)
    {
        if (_initialized == type) return true;
        try
        {
            InitializeDeviceType(type);
            _initialized = type;
            return true;
        }
        catch (Exception ex) when (ex is InvalidOperationException or NotSupportedException or DllNotFoundException or TypeInitializationException)
        {
            return false;
        }
    }
}
