using System.CommandLine;
using System.CommandLine.Help;

namespace Plus.Cli.Commands;

/// <summary>The <c>plus</c> command tree (System.CommandLine) and its entry point.</summary>
internal static class PlusCommandLine
{
    /// <summary>Builds the root command with every sub-command.</summary>
    public static Command Create()
    {
        // A plain command named "plus" (a RootCommand would take the assembly's name, Plus.Cli, in usage lines).
        var root = new Command(
            "plus",
            "plus: personalized preference learning with PLUS (Preference Learning Using Summarization). " +
            "Builds the paper's data sets, imports your preference files split by user, trains any method into a saved model, " +
            "evaluates, summarizes and predicts with it, and plots training metrics.");
        root.Options.Add(new HelpOption());
        root.Options.Add(new VersionOption());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(TrainCommand.Create());
        root.Subcommands.Add(EvalCommand.Create());
        root.Subcommands.Add(SummarizeCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(PlotCommand.Create());
        root.Subcommands.Add(TableCommand.Create());
        return root;
    }

    /// <summary>Parses and runs <paramref name="args"/>; returns the process exit code (0 success, 1 any error, 130 when train was interrupted).</summary>
    public static async Task<int> InvokeAsync(string[] args, TextWriter output, TextWriter error)
    {
        // No ProcessTerminationTimeout: System.CommandLine would otherwise end the process 2 s after Ctrl+C, before
        // `plus train` has written its checkpoint; train handles Ctrl+C itself (TrainCommand), the others stop at once.
        var configuration = new InvocationConfiguration { Output = output, Error = error, ProcessTerminationTimeout = null };
        return await Create().Parse(args).InvokeAsync(configuration).ConfigureAwait(false);
    }
}
