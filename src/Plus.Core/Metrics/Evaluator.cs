namespace Plus.Metrics;

/// <summary>Evaluates an <see cref="IPreferenceModel"/> on examples: pairwise accuracy overall and per group.</summary>
public static class Evaluator
{
    /// <summary>
    /// Predicts every example with <paramref name="model"/> (in batches of <paramref name="batchSize"/>, or all at
    /// once when 0) and scores the predictions with <see cref="PreferenceAccuracy.Compute"/>.
    /// </summary>
    /// <param name="model">The method to evaluate.</param>
    /// <param name="examples">The evaluation examples (non-empty).</param>
    /// <param name="batchSize">Examples per model call; 0 sends them all in one call.</param>
    /// <param name="cancellationToken">Checked between batches and passed to the model.</param>
    /// <exception cref="InvalidOperationException">The model returned the wrong number of probabilities or an invalid one (the message names the model and the index).</exception>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled.</exception>
    public static async Task<AccuracyReport> EvaluateAsync(
        IPreferenceModel model, IReadOnlyList<PreferenceExample> examples, int batchSize = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentOutOfRangeException.ThrowIfNegative(batchSize);
        if (examples.Count == 0) throw new ArgumentException("There are no examples to evaluate.", nameof(examples));

        var size = batchSize == 0 ? examples.Count : batchSize;
        var probabilities = new List<double>(examples.Count);
        for (var start = 0; start < examples.Count; start += size)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var batch = examples.Skip(start).Take(size).ToList();
            var predicted = await model.PredictChosenProbabilitiesAsync(batch, cancellationToken).ConfigureAwait(false)
                ?? throw new InvalidOperationException($"Model '{model.Name}' returned null for examples {start}..{start + batch.Count - 1}.");
            if (predicted.Count != batch.Count)
            {
                throw new InvalidOperationException(
                    $"Model '{model.Name}' returned {predicted.Count} probabilities for {batch.Count} examples (examples {start}..{start + batch.Count - 1}).");
            }

            for (var i = 0; i < predicted.Count; i++)
            {
                var p = predicted[i];
                if (!(p >= 0 && p <= 1))
                {
                    throw new InvalidOperationException($"Model '{model.Name}' returned probability {p} for example {start + i}; probabilities must be in [0, 1].");
                }
            }

            probabilities.AddRange(predicted);
        }

        return PreferenceAccuracy.Compute(examples, probabilities);
    }
}
