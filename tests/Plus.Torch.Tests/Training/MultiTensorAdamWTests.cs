using Plus.Torch.Training;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Training;

/// <summary>
/// <see cref="MultiTensorAdamW"/> against TorchSharp's per-parameter <see cref="AdamW"/>: the same parameters after
/// the same steps bit for bit (tolerance 0), the same state file byte for byte, and a resume across the two.
/// </summary>
public class MultiTensorAdamWTests
{
    // Odd sizes on purpose: tensors whose length is no multiple of the SIMD width, so per-tensor tails land mid-vector
    // in the flat buffer.
    private static Sequential NewModel() =>
        nn.Sequential(("fc", nn.Linear(7, 5)), ("norm", nn.LayerNorm(5)), ("act", nn.Tanh()), ("head", nn.Linear(5, 3)));

    private static Sequential CopyOf(Sequential source)
    {
        var copy = NewModel();
        using var noGrad = no_grad();
        foreach (var ((_, to), (_, from)) in copy.named_parameters().Zip(source.named_parameters())) to.copy_(from);
        return copy;
    }

    private static void TrainStep(Sequential model, optim.Optimizer optimizer, LearningRateSchedule schedule, int step, Generator data)
    {
        using var scope = NewDisposeScope();
        optimizer.zero_grad();
        schedule.Apply(optimizer, step);
        var x = randn([16, 7], generator: data);
        var y = randn([16, 3], generator: data);
        nn.functional.mse_loss(model.call(x), y).backward();
        GradientClipping.ClipByGlobalNorm(model.parameters(), 0.5);
        optimizer.step();
    }

    private static double MaxAbsDifference(nn.Module a, nn.Module b)
    {
        using var scope = NewDisposeScope();
        return a.parameters().Zip(b.parameters()).Max(p => (p.First - p.Second).abs().max().item<float>());
    }

    private static void AssertBitwiseEqual(nn.Module expected, nn.Module actual)
    {
        using var scope = NewDisposeScope();
        foreach (var ((name, e), (_, a)) in expected.named_parameters().Zip(actual.named_parameters()))
        {
            Assert.True(e.eq(a).all().item<bool>(), $"Parameter '{name}' differs: max |Δ| {(e - a).abs().max().item<float>():G9}.");
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    public void Twenty_steps_equal_TorchSharp_AdamW_bit_for_bit(double weightDecay)
    {
        using var scope = NewDisposeScope();
        using var reference = NewModel();
        using var model = CopyOf(reference);
        var settings = new AdamWSettings { LearningRate = 0.05, WeightDecay = weightDecay };
        using var referenceOptimizer = OptimizerFactory.CreateAdamW(reference, settings);
        using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model, settings);
        Assert.Equal(weightDecay == 0 ? 1 : 2, optimizer.BufferCount);
        var schedule = new LearningRateSchedule(0.05, 20, warmupFraction: 0.1);
        using var dataA = new Generator(7, CPU);
        using var dataB = new Generator(7, CPU);
        for (int step = 0; step < 20; step++)
        {
            TrainStep(reference, referenceOptimizer, schedule, step, dataA);
            TrainStep(model, optimizer, schedule, step, dataB);
        }

        Assert.Equal(0.0, MaxAbsDifference(reference, model)); // tolerance 0: bitwise equal, checked per tensor below
        AssertBitwiseEqual(reference, model);
        Assert.Equal(20, optimizer.StepCount);
        Assert.True(MaxAbsDifference(reference, NewModel()) > 0); // the comparison can fail
    }

    [Fact]
    public void Parameters_and_gradients_become_views_of_the_flat_buffers_with_their_values_kept()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        var before = model.parameters().Select(p => p.detach().clone()).ToList();
        using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model.parameters());
        foreach (var (p, value) in model.parameters().Zip(before)) Assert.True(p.eq(value).all().item<bool>());

        var x = ones(2, 7);
        model.call(x).sum().backward();
        var once = model.parameters().Select(p => p.grad!.clone()).ToList();
        model.call(x).sum().backward(); // accumulates in place
        foreach (var (p, g) in model.parameters().Zip(once)) Assert.True(p.grad!.eq(g * 2).all().item<bool>());

        optimizer.zero_grad();
        Assert.All(model.parameters(), p => Assert.Equal(0f, p.grad!.abs().sum().item<float>()));
    }

    [Fact]
    public void The_state_file_is_TorchSharp_AdamW_format_byte_for_byte()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        using var reference = NewModel();
        using var model = CopyOf(reference);
        var settings = new AdamWSettings { LearningRate = 0.02, WeightDecay = 0.01 };
        using var referenceOptimizer = OptimizerFactory.CreateAdamW(reference, settings);
        using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model, settings);
        var schedule = new LearningRateSchedule(0.02, 10, 0);
        using var dataA = new Generator(3, CPU);
        using var dataB = new Generator(3, CPU);
        for (int step = 0; step < 3; step++)
        {
            TrainStep(reference, referenceOptimizer, schedule, step, dataA);
            TrainStep(model, optimizer, schedule, step, dataB);
        }

        var store = new CheckpointStore(dir.Path);
        store.Save(new TrainerState { Step = 3 }, w =>
        {
            w.SaveOptimizer("reference", referenceOptimizer);
            w.SaveOptimizer("multi", optimizer);
        });
        var reader = store.OpenLatest()!;
        var referenceBytes = File.ReadAllBytes(reader.GetPath("reference.optimizer.bin"));
        var multiBytes = File.ReadAllBytes(reader.GetPath("multi.optimizer.bin"));
        Assert.True(referenceBytes.Length > 100);
        Assert.Equal(referenceBytes, multiBytes);
    }

    [Fact]
    public void A_run_resumes_exactly_across_the_two_optimizers_and_through_module_load()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        var settings = new AdamWSettings { LearningRate = 0.03 };
        var schedule = new LearningRateSchedule(0.03, 10, 0);
        var store = new CheckpointStore(dir.Path);

        // Uninterrupted reference run: 5 steps of TorchSharp's AdamW, checkpointed after 3.
        using var reference = NewModel();
        using var start = CopyOf(reference);
        using var referenceOptimizer = OptimizerFactory.CreateAdamW(reference, settings);
        using var data = new Generator(11, CPU);
        for (int step = 0; step < 3; step++) TrainStep(reference, referenceOptimizer, schedule, step, data);
        store.Save(new TrainerState { Step = 3 }, w =>
        {
            w.SaveModule("model", reference);
            w.SaveOptimizer("model", referenceOptimizer);
        });
        var dataState = data.get_state();
        for (int step = 3; step < 5; step++) TrainStep(reference, referenceOptimizer, schedule, step, data);

        // Resume with the multi-tensor optimizer: module.load writes into the flat buffer's views.
        using var resumed = CopyOf(start);
        using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(resumed, settings);
        var reader = store.OpenLatest()!;
        reader.LoadModule("model", resumed);
        reader.LoadOptimizer("model", optimizer);
        Assert.Equal(3, optimizer.StepCount);
        using var resumedData = new Generator(0, CPU);
        resumedData.set_state(dataState);
        for (int step = 3; step < 5; step++) TrainStep(resumed, optimizer, schedule, step, resumedData);
        AssertBitwiseEqual(reference, resumed);

        // And back: the multi-tensor state loads into TorchSharp's AdamW.
        store.Save(new TrainerState { Step = 5 }, w => w.SaveOptimizer("model", optimizer));
        using var back = CopyOf(resumed);
        using var backOptimizer = OptimizerFactory.CreateAdamW(back, settings);
        store.OpenLatest()!.LoadOptimizer("model", backOptimizer);
        using var dataC = new Generator(5, CPU);
        using var dataD = new Generator(5, CPU);
        TrainStep(resumed, optimizer, schedule, 5, dataC);
        TrainStep(back, backOptimizer, schedule, 5, dataD);
        AssertBitwiseEqual(resumed, back);
    }

    [Fact]
    public void A_gradient_replaced_behind_the_optimizers_back_is_an_error_not_a_silent_no_op()
    {
        using var scope = NewDisposeScope();
        using var model = NewModel();
        using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model);
        model.call(ones(2, 7)).sum().backward();
        optimizer.step(); // fine: the gradients are the flat buffer's views

        var last = model.parameters().Last();
        last.grad = zeros_like(last); // a fresh tensor, as a set-to-none zero_grad and the next backward would leave
        var ex = Assert.Throws<InvalidOperationException>(() => optimizer.step());
        Assert.Contains("gradient of parameter 5", ex.Message);
        Assert.Contains("zero_grad", ex.Message);
    }

    [Fact]
    public void A_state_of_other_parameters_is_refused_naming_the_file()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDirectory();
        using var model = NewModel();
        using var optimizer = OptimizerFactory.CreateMultiTensorAdamW(model);
        using var small = nn.Linear(2, 2);
        using var other = OptimizerFactory.CreateMultiTensorAdamW(small);
        var store = new CheckpointStore(dir.Path);
        store.Save(new TrainerState { Step = 1 }, w => w.SaveOptimizer("policy", other));
        var ex = Assert.Throws<InvalidDataException>(() => store.OpenLatest()!.LoadOptimizer("policy", optimizer));
        Assert.Contains("policy.optimizer.bin", ex.Message);
        Assert.Contains("2 parameters", ex.Message);
    }

    [Fact]
    public void Unsupported_options_and_empty_groups_are_errors_that_say_so()
    {
        using var scope = NewDisposeScope();
        using var model = nn.Linear(2, 2);
        var amsgrad = Assert.Throws<NotSupportedException>(() => new MultiTensorAdamW([new AdamW.ParamGroup(model.parameters(), amsgrad: true)]));
        Assert.Contains("AMSGrad", amsgrad.Message);
        var empty = Assert.Throws<ArgumentException>(() => new MultiTensorAdamW([new AdamW.ParamGroup(Array.Empty<Parameter>())]));
        Assert.Contains("group 0", empty.Message);
        foreach (var p in model.parameters()) p.requires_grad = false;
        Assert.Throws<InvalidOperationException>(() => OptimizerFactory.CreateMultiTensorAdamW(model));
    }
}
