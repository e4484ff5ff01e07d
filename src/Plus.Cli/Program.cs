using Plus.Cli.Commands;

return await PlusCommandLine.InvokeAsync(args, Console.Out, Console.Error).ConfigureAwait(false);
