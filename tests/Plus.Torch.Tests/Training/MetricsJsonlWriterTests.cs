using System.Text.Json;
using Plus.Torch.Training;

namespace Plus.Torch.Tests.Training;

public class MetricsJsonlWriterTests
{
    private static List<JsonElement> ReadLines(string path) =>
        File.ReadAllLines(path).Select(l => JsonDocument.Parse(l).RootElement.Clone()).ToList();

    [Fact]
    public void Writes_one_flushed_object_per_line_with_step_stage_time_and_metrics()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("run", "metrics.jsonl");
        var clock = new FakeTimeProvider();
        using (var writer = new MetricsJsonlWriter(path, timeProvider: clock))
        {
            writer.Write(1, new Dictionary<string, double> { ["loss"] = 0.5, ["kl"] = double.NaN }, "ppo");
            // Readable by another process before the writer closes.
            using var peek = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            Assert.EndsWith("\n", new StreamReader(peek).ReadToEnd());
            writer.Write(2, new Dictionary<string, double> { ["loss"] = double.PositiveInfinity });
        }

        var lines = ReadLines(path);
        Assert.Equal(2, lines.Count);
        Assert.Equal(1, lines[0].GetProperty("step").GetInt64());
        Assert.Equal("ppo", lines[0].GetProperty("stage").GetString());
        Assert.Equal("2026-01-01T00:00:00+00:00", lines[0].GetProperty("time").GetString());
        Assert.Equal(0.5, lines[0].GetProperty("loss").GetDouble());
        Assert.Equal("NaN", lines[0].GetProperty("kl").GetString());
        Assert.False(lines[1].TryGetProperty("stage", out _));
        Assert.Equal("Infinity", lines[1].GetProperty("loss").GetString());
    }

    [Fact]
    public void Reopening_after_a_crash_drops_the_cut_off_line_and_keeps_appending()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("metrics.jsonl");
        using (var writer = new MetricsJsonlWriter(path))
        {
            writer.Write(1, new Dictionary<string, double> { ["loss"] = 1 });
            writer.Write(2, new Dictionary<string, double> { ["loss"] = 2 });
        }

        File.AppendAllText(path, "{\"step\":3,\"lo"); // the process died mid-line
        using (var writer = new MetricsJsonlWriter(path))
        {
            writer.Write(3, new Dictionary<string, double> { ["loss"] = 3 });
        }

        Assert.Equal(new long[] { 1, 2, 3 }, ReadLines(path).Select(l => l.GetProperty("step").GetInt64()));
    }

    [Fact]
    public void Resuming_from_a_checkpoint_drops_the_records_of_later_steps()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("metrics.jsonl");
        using (var writer = new MetricsJsonlWriter(path))
        {
            for (int s = 1; s <= 5; s++) writer.Write(s, new Dictionary<string, double> { ["loss"] = s });
        }

        using (var writer = new MetricsJsonlWriter(path, truncateAfterStep: 3))
        {
            writer.Write(4, new Dictionary<string, double> { ["loss"] = 40 });
        }

        var lines = ReadLines(path);
        Assert.Equal(new long[] { 1, 2, 3, 4 }, lines.Select(l => l.GetProperty("step").GetInt64()));
        Assert.Equal(40, lines[3].GetProperty("loss").GetDouble());
    }

    [Fact]
    public void Reserved_names_are_rejected_and_a_disposed_writer_refuses_to_write()
    {
        using var dir = new TempDirectory();
        var writer = new MetricsJsonlWriter(dir.Combine("m.jsonl"));
        var ex = Assert.Throws<ArgumentException>(() => writer.Write(1, new Dictionary<string, double> { ["step"] = 1 }));
        Assert.Contains("'step'", ex.Message);
        writer.Dispose();
        Assert.Throws<ObjectDisposedException>(() => writer.Write(1, new Dictionary<string, double>()));
        Assert.Equal(string.Empty, File.ReadAllText(dir.Combine("m.jsonl")));
    }
}
