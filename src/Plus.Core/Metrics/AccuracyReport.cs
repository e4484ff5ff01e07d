namespace Plus.Metrics;

/// <summary>Pairwise preference accuracy of one method on one evaluation set.</summary>
/// <param name="Accuracy">Overall accuracy, a fraction in [0, 1].</param>
/// <param name="Count">How many examples were scored.</param>
/// <param name="Groups">Accuracy per <see cref="PreferenceExample.Group"/> (examples without a group are only in the overall figure), keyed by group name, ordinal.</param>
public sealed record AccuracyReport(double Accuracy, int Count, IReadOnlyDictionary<string, GroupAccuracy> Groups);
