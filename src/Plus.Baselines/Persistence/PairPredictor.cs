namespace Plus.Baselines.Persistence;

/// <summary>Algorithm 2 for a baseline without a summarizer: one pair, scored by the method's own probability.</summary>
internal sealed class PairPredictor(ConditioningKind kind, Func<Plus.Torch.Reward.ConditionedPair, CancellationToken, (double Probability, float First, float Second)> predict) : IPreferencePredictor
{
    public Task<PreferencePrediction> PredictAsync(
        UserContext context, Conversation prompt, string first, string second, UserSummary? summary = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(prompt);
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        var conditioning = kind == ConditioningKind.Context ? UserConditioning.FromContext(context) : UserConditioning.None;
        var pair = new Plus.Torch.Reward.ConditionedPair(new PreferencePair(prompt, first, second), conditioning);
        return Task.Run(() =>
        {
            var (p, r1, r2) = predict(pair, cancellationToken);
            return new PreferencePrediction(p, r1, r2, null);
        }, cancellationToken);
    }
}
