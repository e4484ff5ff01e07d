namespace Plus.Metrics;

/// <summary>
/// Accuracy of predicted preference probabilities. Each example's prediction is P(chosen ≻ rejected): above 0.5 it
/// counts as correct (1), below 0.5 as wrong (0), and exactly 0.5 counts half (0.5), so a model that cannot tell
/// the responses apart scores 50 % in expectation rather than 0 % or 100 %.
/// </summary>
public static class PreferenceAccuracy
{
    /// <summary>The credit of one prediction: 1 when <paramref name="probabilityChosen"/> &gt; 0.5, 0.5 when it equals 0.5, else 0.</summary>
    /// <param name="probabilityChosen">P(chosen ≻ rejected), in [0, 1].</param>
    /// <exception cref="ArgumentOutOfRangeException">The probability is NaN or outside [0, 1].</exception>
    public static double Credit(double probabilityChosen)
    {
        if (!(probabilityChosen >= 0 && probabilityChosen <= 1))
        {
            throw new ArgumentOutOfRangeException(nameof(probabilityChosen), probabilityChosen, "A probability must be in [0, 1].");
        }

        return probabilityChosen > 0.5 ? 1.0 : probabilityChosen == 0.5 ? 0.5 : 0.0;
    }

    /// <summary>Accuracy overall and per group.</summary>
    /// <param name="examples">The evaluated examples (their <see cref="PreferenceExample.Group"/> defines the groups).</param>
    /// <param name="probabilitiesChosen">One P(chosen ≻ rejected) per example, in the same order.</param>
    /// <exception cref="ArgumentException">The counts differ, the list is empty, or a probability is NaN or outside [0, 1] (the message names its index).</exception>
    public static AccuracyReport Compute(IReadOnlyList<PreferenceExample> examples, IReadOnlyList<double> probabilitiesChosen)
    {
        ArgumentNullException.ThrowIfNull(examples);
        ArgumentNullException.ThrowIfNull(probabilitiesChosen);
        if (examples.Count != probabilitiesChosen.Count)
        {
            throw new ArgumentException(
                $"Got {probabilitiesChosen.Count} probabilities for {examples.Count} examples; there must be one per example.", nameof(probabilitiesChosen));
        }

        if (examples.Count == 0) throw new ArgumentException("There are no examples to score.", nameof(examples));

        double total = 0;
        var groups = new Dictionary<string, (double Sum, int Count)>(StringComparer.Ordinal);
        for (var i = 0; i < examples.Count; i++)
        {
            var p = probabilitiesChosen[i];
            if (!(p >= 0 && p <= 1))
            {
                throw new ArgumentException($"Probability {i} is {p}; every probability must be in [0, 1].", nameof(probabilitiesChosen));
            }

            var credit = Credit(p);
            total += credit;
            if (examples[i].Group is { } group)
            {
                var (sum, count) = groups.GetValueOrDefault(group);
                groups[group] = (sum + credit, count + 1);
            }
        }

        return new AccuracyReport(
            total / examples.Count,
            examples.Count,
            groups.OrderBy(g => g.Key, StringComparer.Ordinal)
                .ToDictionary(g => g.Key, g => new GroupAccuracy(g.Value.Sum / g.Value.Count, g.Value.Count), StringComparer.Ordinal));
    }
}
