using Plus.Torch.Runtime;
using static TorchSharp.torch;

var device = TorchRuntime.ResolveDevice("cpu");
using var x = randn(4, 4, device: device);
Console.WriteLine($"Plus.Sdk quickstart: TorchSharp ready on {device}; sum of squares {x.pow(2).sum().item<float>():F3}");
