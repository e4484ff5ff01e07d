namespace Plus.Metrics;

/// <summary>Accuracy over the examples of one group.</summary>
/// <param name="Accuracy">The fraction in [0, 1] (ties count half, see <see cref="PreferenceAccuracy.Credit"/>).</param>
/// <param name="Count">How many examples the group holds.</param>
public sealed record GroupAccuracy(double Accuracy, int Count);
