using Plus.Torch.Runtime;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Runtime;

public class TorchSharpLoadsTests
{
    [Fact]
    public void Native_library_loads_and_computes_a_forward_and_backward()
    {
        var device = TorchRuntime.ResolveDevice("cpu");
        using var scope = NewDisposeScope();
        var w = tensor(new float[] { 1f, 2f, 3f }, requires_grad: true, device: device);
        var x = tensor(new float[] { 4f, 5f, 6f }, device: device);
        var y = (w * x).sum();
        y.backward();

        Assert.Equal(32f, y.item<float>());
        Assert.Equal(new float[] { 4f, 5f, 6f }, w.grad!.data<float>().ToArray());
    }

    [Fact]
    public void Unknown_device_names_fail_with_the_valid_choices()
    {
        var ex = Assert.Throws<ArgumentException>(() => TorchRuntime.ResolveDevice("tpu"));
        Assert.Contains("'cpu', 'cuda', 'cuda:N' or 'auto'", ex.Message);
    }
}
