namespace Plus.Baselines.Vpl;

/// <summary>What one <see cref="VplStep.Step"/> did.</summary>
/// <param name="Step">Optimizer steps taken after this one (1 after the first).</param>
/// <param name="Loss">The total loss <c>BT + w·anneal·KL</c>.</param>
/// <param name="BradleyTerryLoss">The Bradley-Terry part <c>mean(−log σ(r_c − r_r))</c>.</param>
/// <param name="Kl">The mean <c>KL(N(μ, σ²) ‖ N(0, I))</c> over the batch (nats).</param>
/// <param name="KlWeight">The KL factor used, <c>w·anneal(step)</c>.</param>
/// <param name="Accuracy">Share of pairs with <c>r_c &gt; r_r</c> under the sampled latent (before the update).</param>
/// <param name="GradientNorm">Global gradient norm before clipping.</param>
/// <param name="LearningRate">The learning rate the step used.</param>
/// <param name="Pairs">Pairs in the batch.</param>
/// <param name="Truncated">Texts (context pairs' and the target's prompt + response) that this step embedded for the
/// first time and that had to be cut to the encoder's MaxLength; cached texts are not counted again.</param>
public sealed record VplStepResult(
    int Step,
    double Loss,
    double BradleyTerryLoss,
    double Kl,
    double KlWeight,
    double Accuracy,
    double GradientNorm,
    double LearningRate,
    int Pairs,
    int Truncated = 0)
{
    /// <summary>The step's numbers by metric name (<c>loss</c>, <c>bt_loss</c>, <c>kl</c>, <c>kl_weight</c>, <c>accuracy</c>, <c>grad_norm</c>, <c>lr</c>, <c>truncated</c>).</summary>
    /// <returns>A new dictionary.</returns>
    public Dictionary<string, double> ToMetrics() => new(StringComparer.Ordinal)
    {
        ["loss"] = Loss,
        ["bt_loss"] = BradleyTerryLoss,
        ["kl"] = Kl,
        ["kl_weight"] = KlWeight,
        ["accuracy"] = Accuracy,
        ["grad_norm"] = GradientNorm,
        ["lr"] = LearningRate,
        ["truncated"] = Truncated,
    };
}
