using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// The one place where Plus.Torch's hot paths (the decode loop, the Bradley-Terry step) read device tensors on the
/// host. Each read is a host synchronisation on CUDA (the host waits for every queued kernel), so they are counted:
/// the benchmarks report <see cref="Count"/> per decode step and per training step (<c>op-count</c>).
/// </summary>
/// <remarks>Thread-safe (the counter is updated atomically); the count is process-wide.</remarks>
internal static class HostReads
{
    private static long _count;

    /// <summary>Host synchronisations noted so far in this process.</summary>
    public static long Count => Interlocked.Read(ref _count);

    /// <summary>Notes a synchronisation that happens inside a library call (e.g. <c>clip_grad_norm_</c> returning a double).</summary>
    public static void Note() => Interlocked.Increment(ref _count);

    /// <summary>Copies a tensor to the host as a flat array (one synchronisation).</summary>
    /// <typeparam name="T">The element type; must match the tensor's dtype.</typeparam>
    /// <param name="tensor">Any tensor; a temporary CPU copy joins the current dispose scope.</param>
    /// <returns>The elements in row-major order.</returns>
    public static T[] ToArray<T>(Tensor tensor) where T : unmanaged
    {
        Note();
        return tensor.cpu().data<T>().ToArray();
    }

    /// <summary>Reads a one-element boolean tensor (one synchronisation).</summary>
    /// <param name="tensor">A tensor with one element.</param>
    /// <returns>Its value.</returns>
    public static bool Flag(Tensor tensor)
    {
        Note();
        return tensor.item<bool>();
    }
}
