namespace Plus.Cli.Plotting;

/// <summary>
/// Finds a TrueType font file for ScottPlot's text. ScottPlot's Linux Skia build (NativeAssets.Linux.NoDependencies)
/// does not ask fontconfig for fonts, so a font is loaded from a file: <c>PLUS_PLOT_FONT</c> when set, else the
/// first of DejaVu Sans, Liberation Sans or any <c>.ttf</c> in the usual font folders. Without one, curves are drawn
/// and text may be missing.
/// </summary>
internal static class PlotFonts
{
    private const string Family = "Plus Plot Sans";
    private static readonly Lock Gate = new();
    private static bool _resolved;
    private static string? _family;

    private static readonly string[] Preferred =
    [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation2/LiberationSans-Regular.ttf",
    ];

    private static readonly string[] Folders = ["/usr/share/fonts", "/usr/local/share/fonts", "/Library/Fonts", "C:\\Windows\\Fonts"];

    /// <summary>Registers a font with ScottPlot once and returns its family name, or null when no font file was found.</summary>
    public static string? Resolve()
    {
        lock (Gate)
        {
            if (_resolved) return _family;
            _resolved = true;
            var file = FindFile();
            if (file is null) return null;
            ScottPlot.Fonts.AddFontFile(Family, file, bold: false, italic: false);
            var bold = Path.Combine(Path.GetDirectoryName(file)!, Path.GetFileNameWithoutExtension(file) + "-Bold.ttf");
            ScottPlot.Fonts.AddFontFile(Family, File.Exists(bold) ? bold : file, bold: true, italic: false);
            _family = Family;
            return _family;
        }
    }

    private static string? FindFile()
    {
        if (Environment.GetEnvironmentVariable("PLUS_PLOT_FONT") is { Length: > 0 } configured && File.Exists(configured)) return configured;
        foreach (var candidate in Preferred)
        {
            if (File.Exists(candidate)) return candidate;
        }

        foreach (var folder in Folders.Where(Directory.Exists))
        {
            try
            {
                var any = Directory.EnumerateFiles(folder, "*.ttf", SearchOption.AllDirectories).Order(StringComparer.Ordinal).FirstOrDefault();
                if (any is not null) return any;
            }
            catch (UnauthorizedAccessException)
            {
                // An unreadable font folder is skipped.
            }
        }

        return null;
    }
}
