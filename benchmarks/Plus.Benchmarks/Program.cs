using BenchmarkDotNet.Running;
using Plus.Benchmarks.Generation;

if (args.Length > 0 && args[0] == "gen-compare")
{
    return GenerationComparison.Run(args);
}

if (args.Length > 0 && args[0] == "plus-step")
{
    return Plus.Benchmarks.Training.PlusStepComparison.Run(args);
}

if (args.Length > 0 && args[0] == "reward-compare")
{
    return Plus.Benchmarks.RewardComparison.Run(args);
}

if (args.Length > 0 && args[0] == "op-count")
{
    return Plus.Benchmarks.Diagnostics.OpCountReport.Run(args);
}

if (args.Length > 0 && args[0] == "bt-budget")
{
    return Plus.Benchmarks.Training.TokenBudgetComparison.Run(args);
}

if (args.Length > 0 && args[0] == "trained-model-export")
{
    return Plus.Benchmarks.Interop.TrainedModelExport.Run(args);
}

if (args.Length > 0 && args[0] == "soak")
{
    return Plus.Benchmarks.Diagnostics.SoakRun.Run(args);
}

if (args.Length > 0 && args[0] == "golden-check")
{
    return GoldenCheck.Run(args);
}

BenchmarkSwitcher.FromAssembly(typeof(Program).Assembly).Run(args);
return 0;
