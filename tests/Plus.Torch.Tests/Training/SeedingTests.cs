using Plus.Torch.Training;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

[Collection(TorchGlobalRngCollection.Name)]
public class SeedingTests
{
    [Fact]
    public void One_seed_reproduces_torch_and_dotnet_draws()
    {
        using var scope = NewDisposeScope();
        var r1 = Seeding.Seed(123);
        var t1 = randn(5).data<float>().ToArray();
        var n1 = Enumerable.Range(0, 5).Select(_ => r1.Next()).ToArray();
        var r2 = Seeding.Seed(123);
        var t2 = randn(5).data<float>().ToArray();
        var n2 = Enumerable.Range(0, 5).Select(_ => r2.Next()).ToArray();
        Assert.Equal(t1, t2);
        Assert.Equal(n1, n2);
    }

    [Fact]
    public void Streams_are_reproducible_and_distinct()
    {
        Assert.Equal(Seeding.Derive(7, 3), Seeding.Derive(7, 3));
        Assert.Equal(1000, Enumerable.Range(0, 1000).Select(s => Seeding.Derive(7, s)).Distinct().Count());
        Assert.NotEqual(Seeding.Derive(7, 0), Seeding.Derive(8, 0));
        Assert.Equal(Seeding.CreateRandom(7, 3).Next(), Seeding.CreateRandom(7, 3).Next());

        using var scope = NewDisposeScope();
        using var g1 = Seeding.CreateGenerator(7, 12);
        using var g2 = Seeding.CreateGenerator(7, 12);
        using var g3 = Seeding.CreateGenerator(7, 13);
        var a = rand(4, generator: g1).data<float>().ToArray();
        Assert.Equal(a, rand(4, generator: g2).data<float>().ToArray());
        Assert.NotEqual(a, rand(4, generator: g3).data<float>().ToArray());
    }
}
