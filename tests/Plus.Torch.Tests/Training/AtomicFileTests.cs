using Plus.Torch.Training;

namespace Plus.Torch.Tests.Training;

public class AtomicFileTests
{
    [Fact]
    public void A_writer_that_fails_midway_leaves_the_old_file_and_no_temporary()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("state.json");
        AtomicFile.WriteAllText(path, "old");

        Assert.Throws<IOException>(() => AtomicFile.Write(path, s =>
        {
            s.Write("new content, half"u8);
            throw new IOException("disk full (simulated)");
        }));

        Assert.Equal("old", File.ReadAllText(path));
        Assert.Equal(["state.json"], Directory.GetFiles(dir.Path).Select(Path.GetFileName));
    }

    [Fact]
    public async Task Replaces_the_target_and_cleans_temporaries_a_killed_process_left()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("sub", "a.txt");
        AtomicFile.WriteAllText(path, "one");
        await AtomicFile.WriteAsync(path, (s, ct) => s.WriteAsync("two"u8.ToArray(), ct).AsTask());
        Assert.Equal("two", File.ReadAllText(path));

        File.WriteAllText(dir.Combine("sub", ".a.txt.0123.tmp"), "partial");
        Assert.Equal(1, AtomicFile.RemoveStaleTemporaries(dir.Combine("sub")));
        Assert.Equal(["a.txt"], Directory.GetFiles(dir.Combine("sub")).Select(Path.GetFileName));
    }

    [Fact]
    public async Task A_cancelled_async_write_leaves_the_old_file()
    {
        using var dir = new TempDirectory();
        string path = dir.Combine("a.txt");
        AtomicFile.WriteAllText(path, "old");
        using var cts = new CancellationTokenSource();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => AtomicFile.WriteAsync(path, async (s, ct) =>
        {
            await s.WriteAsync("new"u8.ToArray(), ct);
            await cts.CancelAsync();
        }, cts.Token));
        Assert.Equal("old", File.ReadAllText(path));
        Assert.Single(Directory.GetFiles(dir.Path));
    }
}
