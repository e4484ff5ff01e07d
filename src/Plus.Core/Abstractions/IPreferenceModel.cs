namespace Plus;

/// <summary>
/// A trained method (BTL, DPL, VPL, ICL, Oracle, PLUS, ...) seen uniformly for evaluation: the probability that
/// each example's user prefers its target's chosen response over its rejected one.
/// </summary>
public interface IPreferenceModel
{
    /// <summary>The method's display name, as in the paper's tables (for example <c>PLUS</c>).</summary>
    string Name { get; }

    /// <summary>Predicts P(chosen ≻ rejected) for each example, using only what the method may see.</summary>
    /// <param name="examples">The examples to predict.</param>
    /// <param name="cancellationToken">Stops the work between batches.</param>
    /// <returns>One probability per example, in the same order.</returns>
    Task<IReadOnlyList<double>> PredictChosenProbabilitiesAsync(IReadOnlyList<PreferenceExample> examples, CancellationToken cancellationToken = default);
}
