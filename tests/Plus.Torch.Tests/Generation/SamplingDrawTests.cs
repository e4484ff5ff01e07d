using Plus.Torch.Generation;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Generation;

/// <summary>The decode loop's draw (<see cref="GenerationRun.SampleOne"/>) against libtorch's <c>multinomial</c>.</summary>
public class SamplingDrawTests
{
    [Fact]
    public void The_draw_equals_multinomial_for_the_same_generator_seed()
    {
        using var scope = NewDisposeScope();
        using var init = new Generator(3, CPU);
        // 64 rows over 50 candidates, some of them masked to zero probability as top-p does.
        var logits = randn([64, 50], generator: init).mul_(2);
        logits.narrow(1, 40, 10).fill_(double.NegativeInfinity);
        var probs = logits.softmax(-1);

        using var a = new Generator(11, CPU);
        using var b = new Generator(11, CPU);
        var ours = GenerationRun.SampleOne(probs, a);
        var reference = multinomial(probs, 1, replacement: false, generator: b);

        Assert.Equal(new long[] { 64, 1 }, ours.shape);
        Assert.Equal(reference.data<long>().ToArray(), ours.data<long>().ToArray());
        Assert.True(ours.lt(40).all().item<bool>(), "a zero-probability candidate was drawn");
        // Different rows draw different candidates: the comparison is not between two constant answers.
        Assert.True(ours.unique().Item1.shape[0] > 5);
    }
}
