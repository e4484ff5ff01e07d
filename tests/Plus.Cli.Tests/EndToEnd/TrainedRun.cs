using System.Text.Json.Nodes;

namespace Plus.Cli.Tests.EndToEnd;

/// <summary>
/// A small Pets data set (16 train, 8 test examples) and one <c>plus train</c> run on it with the embedded default
/// model, <c>--epochs 1 --batch-size 8</c>: two steps. Shared by the tests of one class (xunit class fixture).
/// </summary>
public abstract class TrainedRun : IAsyncLifetime
{
    private readonly string _method;

    protected TrainedRun(string method) => _method = method;

    public string Data { get; } = PlusTool.NewScratchFolder();

    public string Run { get; } = Path.Combine(PlusTool.NewScratchFolder(), "run");

    public string TrainFile => Path.Combine(Data, "train.jsonl");

    public string TestFile => Path.Combine(Data, "test.jsonl");

    public string[] TrainArguments => ["train", "--method", _method, "--data", TrainFile, "--eval", TestFile, "--epochs", "1", "--batch-size", "8", "--domain", "pets", "--out", Run];

    internal ToolResult Training { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var data = await PlusTool.RunAsync("data", "pets", "--out", Data, "--train-examples", "16", "--test-examples", "8", "--seed", "1");
        Assert.True(data.ExitCode == 0, data.ToString());
        Training = await PlusTool.RunAsync(TrainArguments);
    }

    public Task DisposeAsync() => Task.CompletedTask;

    /// <summary>The run's <c>metrics.jsonl</c>, one object per step.</summary>
    public IReadOnlyList<JsonObject> Metrics() =>
        [.. File.ReadAllLines(Path.Combine(Run, "metrics.jsonl")).Where(l => l.Length > 0).Select(l => JsonNode.Parse(l)!.AsObject())];
}

/// <summary>A BTL run (see <see cref="TrainedRun"/>).</summary>
public sealed class BtlRun() : TrainedRun("BTL");

/// <summary>A PLUS-untrained run, the summarizer left as it is (see <see cref="TrainedRun"/>).</summary>
public sealed class PlusUntrainedRun() : TrainedRun("plus-untrained");

/// <summary>A DPL run (see <see cref="TrainedRun"/>).</summary>
public sealed class DplRun() : TrainedRun("DPL");
