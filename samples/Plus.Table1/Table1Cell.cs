using System.Text.Json.Serialization;

namespace Plus.Table1;

/// <summary>One trained model evaluated on one data set: a cell of <c>table.json</c>.</summary>
/// <param name="Method">The method (paper name).</param>
/// <param name="Dataset">The data set (<c>pets</c>, <c>pets-ood</c>).</param>
/// <param name="Seed">The seed of the data and of training.</param>
/// <param name="Accuracy">Accuracy on all evaluation pairs, a fraction.</param>
/// <param name="ControversialAccuracy">
/// Accuracy on the controversial pairs (the user-dependent choice), a fraction; null on PRISM, which has no controversial
/// subset.
/// </param>
/// <param name="Seconds">Training time of the model (shared by its data sets) plus this data set's evaluation time.</param>
public sealed record Table1Cell(
    [property: JsonPropertyName("method")] string Method,
    [property: JsonPropertyName("dataset")] string Dataset,
    [property: JsonPropertyName("seed")] int Seed,
    [property: JsonPropertyName("accuracy")] double Accuracy,
    [property: JsonPropertyName("controversial_accuracy")] double? ControversialAccuracy,
    [property: JsonPropertyName("seconds")] double Seconds)
{
    /// <summary>
    /// The table's headline value: <see cref="ControversialAccuracy"/>, or on PRISM (every held-out pair counts, as in the
    /// paper's PRISM columns) <see cref="Accuracy"/>.
    /// </summary>
    [JsonIgnore]
    public double Headline => ControversialAccuracy ?? Accuracy;
}
