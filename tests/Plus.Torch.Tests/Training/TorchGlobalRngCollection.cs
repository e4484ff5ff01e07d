namespace Plus.Torch.Tests.Training;

/// <summary>Tests that seed or draw from torch's process-wide generator run in this collection, never in parallel with each other.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TorchGlobalRngCollection
{
    public const string Name = "torch global RNG";
}
