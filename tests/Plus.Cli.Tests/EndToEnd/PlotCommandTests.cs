using System.Buffers.Binary;
using SkiaSharp;

namespace Plus.Cli.Tests.EndToEnd;

public class PlotCommandTests
{
    private static readonly byte[] PngSignature = [0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A];

    [Fact]
    public async Task Plot_writes_a_png_of_the_requested_size_with_a_drawn_panel_per_quantity()
    {
        var folder = PlusTool.NewScratchFolder();
        var png = Path.Combine(folder, "curves.png");
        var result = await PlusTool.RunAsync("plot", "--metrics", PlusTool.Fixture("cli", "metrics.jsonl"), "--out", png, "--width", "900", "--height", "600");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("Reward, KL, Reward-model loss, Reward-model accuracy, Summary length, lr", result.Output);

        // A valid PNG: the signature, then the IHDR chunk first with the width and height.
        var bytes = File.ReadAllBytes(png);
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal(13u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(8, 4)));
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(900u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(16, 4)));
        Assert.Equal(600u, BinaryPrimitives.ReadUInt32BigEndian(bytes.AsSpan(20, 4)));

        // Six panels in a 3 × 2 grid; each cell must hold drawing (axes, curve, text), not a blank background.
        using var bitmap = SKBitmap.Decode(png);
        Assert.Equal(900, bitmap.Width);
        for (var cell = 0; cell < 6; cell++)
        {
            var (x0, y0) = (cell % 3 * 300, cell / 3 * 300);
            var inked = 0;
            for (var y = y0; y < y0 + 300; y += 3)
            {
                for (var x = x0; x < x0 + 300; x += 3)
                {
                    var pixel = bitmap.GetPixel(x, y);
                    if (pixel.Red < 200 || pixel.Green < 200 || pixel.Blue < 200) inked++;
                }
            }

            Assert.True(inked > 200, $"panel {cell} looks blank ({inked} dark samples)");
        }
    }

    [Fact]
    public async Task A_file_with_only_step_columns_is_an_error()
    {
        var folder = PlusTool.NewScratchFolder();
        var metrics = Path.Combine(folder, "metrics.jsonl");
        File.WriteAllText(metrics, "{\"step\":1,\"stage\":\"ppo\",\"time\":\"2026-01-01T00:00:00+00:00\"}\n");
        var result = await PlusTool.RunAsync("plot", "--metrics", metrics, "--out", Path.Combine(folder, "x.png"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("holds no numeric metrics to plot", result.Error);
        Assert.False(File.Exists(Path.Combine(folder, "x.png")));
    }
}
