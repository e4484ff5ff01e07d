namespace Plus.Metrics;

/// <summary>One cell of a <see cref="ResultsTable"/>: a method's accuracy on a data set over runs, overall and per group.</summary>
/// <param name="Overall">Overall accuracy (fractions, not percents) over runs.</param>
/// <param name="Groups">Accuracy per example group (for example <c>controversial</c>) over runs; empty when none.</param>
public sealed record ResultCell(MeanStd Overall, IReadOnlyDictionary<string, MeanStd> Groups)
{
    /// <summary>A cell holding only an overall value.</summary>
    /// <param name="overall">The overall accuracy over runs.</param>
    public static ResultCell FromOverall(MeanStd overall) => new(overall, new Dictionary<string, MeanStd>(StringComparer.Ordinal));

    /// <summary>
    /// Aggregates runs (one <see cref="AccuracyReport"/> per seed): mean ± sample std of the overall accuracy, and of
    /// each group's accuracy over the runs that contain the group.
    /// </summary>
    /// <param name="runs">One report per run.</param>
    /// <exception cref="ArgumentException"><paramref name="runs"/> is empty.</exception>
    public static ResultCell FromRuns(IEnumerable<AccuracyReport> runs)
    {
        ArgumentNullException.ThrowIfNull(runs);
        var list = runs.ToList();
        if (list.Count == 0) throw new ArgumentException("At least one run is needed.", nameof(runs));
        var groups = list.SelectMany(r => r.Groups.Keys).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal)
            .ToDictionary(
                g => g,
                g => MeanStd.Of(list.Where(r => r.Groups.ContainsKey(g)).Select(r => r.Groups[g].Accuracy)),
                StringComparer.Ordinal);
        return new ResultCell(MeanStd.Of(list.Select(r => r.Accuracy)), groups);
    }
}
