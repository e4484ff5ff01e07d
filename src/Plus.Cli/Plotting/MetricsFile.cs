using System.Globalization;
using System.Text.Json;

namespace Plus.Cli.Plotting;

/// <summary>
/// Reads a <c>metrics.jsonl</c> as written by <c>Plus.Torch.Training.MetricsJsonlWriter</c>: one object per line with
/// <c>step</c> (number), optional <c>stage</c> and <c>time</c>, and numeric metrics (NaN and ±∞ as the strings
/// <c>"NaN"</c>, <c>"Infinity"</c>, <c>"-Infinity"</c>). Other string fields are ignored.
/// </summary>
internal static class MetricsFile
{
    private static readonly string[] Reserved = ["step", "stage", "time"];

    /// <summary>Reads every series of the file, grouped by (metric, stage) in order of first appearance.</summary>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A line is not a JSON object with a numeric <c>step</c>; the message names the file and line.</exception>
    public static IReadOnlyList<MetricsSeries> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Metrics file '{path}' does not exist.", path);
        var series = new Dictionary<(string Metric, string? Stage), (List<double> Steps, List<double> Values)>();
        var order = new List<(string, string?)>();
        var lineNumber = 0;
        foreach (var line in File.ReadLines(path))
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line)) continue;
            JsonDocument document;
            try
            {
                document = JsonDocument.Parse(line);
            }
            catch (JsonException ex)
            {
                throw new InvalidDataException($"{path} line {lineNumber}: is not valid JSON ({ex.Message})", ex);
            }

            using (document)
            {
                var root = document.RootElement;
                if (root.ValueKind != JsonValueKind.Object) throw new InvalidDataException($"{path} line {lineNumber}: must be a JSON object");
                if (!root.TryGetProperty("step", out var stepElement) || stepElement.ValueKind != JsonValueKind.Number)
                {
                    throw new InvalidDataException($"{path} line {lineNumber}: field 'step' must be a number");
                }

                var step = stepElement.GetDouble();
                var stage = root.TryGetProperty("stage", out var stageElement) && stageElement.ValueKind == JsonValueKind.String ? stageElement.GetString() : null;
                foreach (var property in root.EnumerateObject())
                {
                    if (Reserved.Contains(property.Name, StringComparer.Ordinal)) continue;
                    if (Value(property.Value) is not { } value) continue;
                    var key = (property.Name, stage);
                    if (!series.TryGetValue(key, out var lists))
                    {
                        lists = ([], []);
                        series[key] = lists;
                        order.Add(key);
                    }

                    lists.Steps.Add(step);
                    lists.Values.Add(value);
                }
            }
        }

        return order.Select(k => new MetricsSeries(k.Item1, k.Item2, series[k].Steps, series[k].Values)).ToArray();
    }

    private static double? Value(JsonElement element) => element.ValueKind switch
    {
        JsonValueKind.Number => element.GetDouble(),
        JsonValueKind.String => element.GetString() switch
        {
            "NaN" => double.NaN,
            "Infinity" => double.PositiveInfinity,
            "-Infinity" => double.NegativeInfinity,
            var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        },
        _ => null,
    };
}
