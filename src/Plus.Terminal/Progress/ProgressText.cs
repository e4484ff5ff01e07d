using System.Globalization;
using Plus.Training;

namespace Plus.Terminal.Progress;

/// <summary>Formats the key metrics and times of a <see cref="TrainingProgress"/> for both display modes.</summary>
internal static class ProgressText
{
    public static string Metrics(TrainingProgress progress, IReadOnlyList<string>? keyMetrics)
    {
        IEnumerable<KeyValuePair<string, double>> shown;
        if (keyMetrics is not null)
        {
            shown = keyMetrics.Where(progress.Metrics.ContainsKey).Select(k => new KeyValuePair<string, double>(k, progress.Metrics[k]));
        }
        else
        {
            var known = TrainingProgressDisplayOptions.DefaultKeyMetrics.Where(progress.Metrics.ContainsKey).ToArray();
            shown = known.Length > 0
                ? known.Select(k => new KeyValuePair<string, double>(k, progress.Metrics[k]))
                : progress.Metrics.Take(4);
        }

        return string.Join(" ", shown.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key}={kv.Value:G4}")));
    }

    public static string Duration(TimeSpan time) =>
        time.TotalHours >= 1
            ? string.Create(CultureInfo.InvariantCulture, $"{(int)time.TotalHours}h{time.Minutes:D2}m")
            : time.TotalMinutes >= 1
                ? string.Create(CultureInfo.InvariantCulture, $"{time.Minutes}m{time.Seconds:D2}s")
                : string.Create(CultureInfo.InvariantCulture, $"{time.TotalSeconds:F0}s");

    public static string Line(TrainingProgress progress, IReadOnlyList<string>? keyMetrics)
    {
        if (progress.Message is { } message) return $"[{progress.Stage}] {message}";
        var steps = progress.TotalSteps > 0
            ? string.Create(CultureInfo.InvariantCulture, $"step {progress.Step}/{progress.TotalSteps} ({progress.Fraction * 100:F0}%)")
            : string.Create(CultureInfo.InvariantCulture, $"step {progress.Step}");
        var metrics = Metrics(progress, keyMetrics);
        var eta = progress.Eta is { } e ? $" eta {Duration(e)}" : string.Empty;
        return $"[{progress.Stage}] {steps}{(metrics.Length > 0 ? " " + metrics : string.Empty)} elapsed {Duration(progress.Elapsed)}{eta}";
    }
}
