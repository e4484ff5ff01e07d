namespace Plus.Torch.Tests.Generation;

/// <summary>
/// Tests that measure the whole process's resident memory run alone: other test classes running in parallel
/// would otherwise add their own allocations to the measurement.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class MemoryMeasurementCollection
{
    /// <summary>The collection name.</summary>
    public const string Name = "Memory measurement (not parallel)";
}
