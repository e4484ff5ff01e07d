using Plus.Torch.Modeling;
using TorchSharp;

namespace Plus.Benchmarks.Diagnostics;

/// <summary>
/// Counts what a piece of work costs in calls into libtorch: tensors created (every out-of-place native op returns a
/// new tensor handle, so this counts those ops; in-place ops such as <c>add_</c> and <c>copy_</c> and the kernels
/// autograd runs inside <c>backward()</c> are not seen) and host synchronisations (Plus.Torch's own device-to-host
/// reads, <see cref="HostReads"/>).
/// </summary>
internal static class OpCounter
{
    /// <summary>Tensors created on this thread so far (TorchSharp's dispose-scope statistics).</summary>
    public static long TensorsCreated
    {
        get
        {
            var s = DisposeScopeManager.Statistics;
            return s.CreatedInScopeCount + s.CreatedOutsideScopeCount;
        }
    }

    /// <summary>Runs <paramref name="action"/> and returns the tensors it created and the host syncs it made.</summary>
    public static OpCount Measure(Action action)
    {
        long tensors = TensorsCreated, syncs = HostReads.Count;
        var sw = System.Diagnostics.Stopwatch.StartNew();
        action();
        return new OpCount(TensorsCreated - tensors, HostReads.Count - syncs, sw.Elapsed.TotalMilliseconds);
    }
}
