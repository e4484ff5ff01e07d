namespace Plus.Benchmarks.Diagnostics;

/// <summary>Tensors created, host syncs and wall-clock milliseconds of one measured piece of work.</summary>
internal readonly record struct OpCount(double Tensors, double Syncs, double Milliseconds)
{
    public static OpCount operator -(OpCount a, OpCount b) => new(a.Tensors - b.Tensors, a.Syncs - b.Syncs, a.Milliseconds - b.Milliseconds);

    public OpCount Per(double n) => new(Tensors / n, Syncs / n, Milliseconds / n);
}
