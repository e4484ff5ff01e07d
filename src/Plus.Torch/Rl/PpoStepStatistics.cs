namespace Plus.Torch.Rl;

/// <summary>Averages over the minibatches of one PPO update.</summary>
/// <param name="PolicyLoss">The clipped surrogate loss.</param>
/// <param name="ClipFraction">The fraction of action tokens whose ratio was clipped.</param>
/// <param name="ApproxKl">The approximate KL between the updated and the rollout policy.</param>
/// <param name="ValueLoss">The clipped value loss.</param>
/// <param name="PolicyGradNorm">The actor's gradient norm before clipping.</param>
/// <param name="ValueGradNorm">The critic's gradient norm before clipping.</param>
public sealed record PpoStepStatistics(double PolicyLoss, double ClipFraction, double ApproxKl, double ValueLoss, double PolicyGradNorm, double ValueGradNorm);
