using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Plus.Data;

namespace Plus.Metrics;

/// <summary>
/// Results of methods on data sets (cells of mean ± std over runs, overall and per group), rendered as a Markdown
/// table shaped like the paper's Table 1 and serialized to and from JSON (snake_case, fractions not percents).
/// </summary>
/// <remarks>
/// Rows are methods in the paper's order (<see cref="PaperMethodOrder"/>), then any other method in the order first
/// added; columns are data sets in the order first added. Not thread-safe for concurrent writes.
/// </remarks>
public sealed class ResultsTable
{
    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    private readonly List<string> _datasets = new();
    private readonly List<string> _methods = new();
    private readonly Dictionary<(string Dataset, string Method), ResultCell> _cells = new();

    /// <summary>The paper's row order: BTL, DPL, VPL, ICL, PLUS-untrained, PLUS, Oracle.</summary>
    public static IReadOnlyList<string> PaperMethodOrder { get; } = new[] { "BTL", "DPL", "VPL", "ICL", "PLUS-untrained", "PLUS", "Oracle" };

    /// <summary>The data sets (columns), in the order first added.</summary>
    public IReadOnlyList<string> Datasets => _datasets;

    /// <summary>The methods (rows): the paper's methods in its order, then others in the order first added.</summary>
    public IReadOnlyList<string> Methods =>
        _methods.OrderBy(m => PaperRank(m)).ToList();

    /// <summary>Sets (or replaces) the cell of <paramref name="method"/> on <paramref name="dataset"/>.</summary>
    /// <param name="dataset">The data set (column), e.g. <c>Pets (OOD)</c>.</param>
    /// <param name="method">The method (row), e.g. <c>PLUS</c>.</param>
    /// <param name="cell">The values, as fractions.</param>
    public void Set(string dataset, string method, ResultCell cell)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(dataset);
        ArgumentException.ThrowIfNullOrWhiteSpace(method);
        ArgumentNullException.ThrowIfNull(cell);
        if (!_datasets.Contains(dataset, StringComparer.Ordinal)) _datasets.Add(dataset);
        if (!_methods.Contains(method, StringComparer.Ordinal)) _methods.Add(method);
        _cells[(dataset, method)] = cell;
    }

    /// <summary>Sets the cell from one <see cref="AccuracyReport"/> per run (see <see cref="ResultCell.FromRuns"/>).</summary>
    /// <param name="dataset">The data set (column).</param>
    /// <param name="method">The method (row).</param>
    /// <param name="runs">One report per seed.</param>
    public void SetRuns(string dataset, string method, IEnumerable<AccuracyReport> runs) => Set(dataset, method, ResultCell.FromRuns(runs));

    /// <summary>The cell of <paramref name="method"/> on <paramref name="dataset"/>, or null when there is none.</summary>
    /// <param name="dataset">The data set.</param>
    /// <param name="method">The method.</param>
    public ResultCell? Get(string dataset, string method) => _cells.GetValueOrDefault((dataset, method));

    /// <summary>
    /// Renders a Markdown table: a <c>Method</c> column, then one column per data set; each cell is the mean in
    /// percent with one decimal, followed by <c> ± </c> and the std in percent when there was more than one run
    /// (<c>95.3 ± 1.2</c>; one run: <c>52.7</c>); <c>NA</c> where there is no value.
    /// </summary>
    /// <param name="group">Render this group's accuracy (for example <c>controversial</c>) instead of the overall one.</param>
    public string ToMarkdown(string? group = null)
    {
        var builder = new StringBuilder();
        builder.Append("| Method |");
        foreach (var dataset in _datasets) builder.Append(' ').Append(Escape(dataset)).Append(" |");
        builder.Append('\n').Append("| --- |");
        foreach (var _ in _datasets) builder.Append(" --- |");
        builder.Append('\n');
        foreach (var method in Methods)
        {
            builder.Append("| ").Append(Escape(method)).Append(" |");
            foreach (var dataset in _datasets)
            {
                var cell = Get(dataset, method);
                MeanStd? value = cell is null ? null
                    : group is null ? cell.Overall
                    : cell.Groups.TryGetValue(group, out var g) ? g : null;
                builder.Append(' ').Append(value is { } v ? FormatPercent(v) : "NA").Append(" |");
            }

            builder.Append('\n');
        }

        return builder.ToString();
    }

    /// <summary>Formats a value in percent: <c>95.3 ± 1.2</c>, or <c>95.3</c> for a single run.</summary>
    /// <param name="value">The value, as fractions.</param>
    public static string FormatPercent(MeanStd value)
    {
        var mean = (value.Mean * 100).ToString("0.0", CultureInfo.InvariantCulture);
        return value.N > 1 ? mean + " ± " + (value.Std * 100).ToString("0.0", CultureInfo.InvariantCulture) : mean;
    }

    /// <summary>Serializes the table to JSON (snake_case; values are fractions; see <c>docs/metrics.md</c>).</summary>
    public string ToJson()
    {
        var dto = new TableDto(
            _datasets.ToList(),
            Methods.ToList(),
            Methods.SelectMany(m => _datasets.Where(d => _cells.ContainsKey((d, m))).Select(d => (Dataset: d, Method: m)))
                .Select(k =>
                {
                    var cell = _cells[k];
                    return new CellDto(
                        k.Dataset, k.Method, cell.Overall.Mean, cell.Overall.Std, cell.Overall.N,
                        cell.Groups.OrderBy(g => g.Key, StringComparer.Ordinal).ToDictionary(g => g.Key, g => new ValueDto(g.Value.Mean, g.Value.Std, g.Value.N)));
                })
                .ToList());
        return JsonSerializer.Serialize(dto, JsonOptions);
    }

    /// <summary>Reads a table written by <see cref="ToJson"/>.</summary>
    /// <param name="json">The JSON text.</param>
    /// <exception cref="JsonException">The text is not valid JSON or lacks a required field.</exception>
    public static ResultsTable FromJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var dto = JsonSerializer.Deserialize<TableDto>(json, JsonOptions) ?? throw new JsonException("The results JSON is null.");
        var table = new ResultsTable();
        table._datasets.AddRange(dto.Datasets ?? throw new JsonException("The results JSON lacks 'datasets'."));
        table._methods.AddRange(dto.Methods ?? throw new JsonException("The results JSON lacks 'methods'."));
        foreach (var cell in dto.Cells ?? throw new JsonException("The results JSON lacks 'cells'."))
        {
            if (cell.Dataset is null || cell.Method is null) throw new JsonException("A results cell lacks 'dataset' or 'method'.");
            var groups = (cell.Groups ?? new Dictionary<string, ValueDto>())
                .ToDictionary(g => g.Key, g => new MeanStd(g.Value.Mean, g.Value.Std, g.Value.N), StringComparer.Ordinal);
            table.Set(cell.Dataset, cell.Method, new ResultCell(new MeanStd(cell.Mean, cell.Std, cell.N), groups));
        }

        return table;
    }

    /// <summary>Writes <see cref="ToJson"/> to <paramref name="path"/> atomically (temporary file + rename).</summary>
    /// <param name="path">The destination file.</param>
    /// <param name="cancellationToken">Stops the write.</param>
    public Task SaveAsync(string path, CancellationToken cancellationToken = default)
    {
        var bytes = Encoding.UTF8.GetBytes(ToJson());
        return JsonlFile.WriteAtomicallyAsync(path, (stream, ct) => stream.WriteAsync(bytes, ct).AsTask(), cancellationToken);
    }

    /// <summary>Reads a table saved by <see cref="SaveAsync"/>.</summary>
    /// <param name="path">The file.</param>
    /// <param name="cancellationToken">Stops the read.</param>
    public static async Task<ResultsTable> LoadAsync(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        return FromJson(await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false));
    }

    private int PaperRank(string method)
    {
        for (var i = 0; i < PaperMethodOrder.Count; i++)
        {
            if (string.Equals(PaperMethodOrder[i], method, StringComparison.OrdinalIgnoreCase)) return i;
        }

        return PaperMethodOrder.Count + _methods.IndexOf(method);
    }

    private static string Escape(string text) => text.Replace("|", "\\|", StringComparison.Ordinal);

    private sealed record TableDto(List<string>? Datasets, List<string>? Methods, List<CellDto>? Cells);

    private sealed record CellDto(string? Dataset, string? Method, double Mean, double Std, int N, Dictionary<string, ValueDto>? Groups);

    private sealed record ValueDto(double Mean, double Std, int N);
}
