namespace Plus.Torch.Persistence;

/// <summary>The summarizer's sampling settings as trained (the manifest's <c>summarizer.sampling</c>).</summary>
/// <param name="MaxSummaryTokens">Largest number of generated tokens.</param>
/// <param name="MaxSummaryWords">Words kept by the summary extractor.</param>
/// <param name="DoSample">Sample (true) or decode greedily.</param>
/// <param name="Temperature">Sampling temperature.</param>
/// <param name="TopP">Nucleus sampling threshold.</param>
/// <param name="TopK">Top-k (0: off).</param>
/// <param name="Seed">The base seed of sampling (null: unseeded).</param>
/// <param name="BatchSize">Contexts per generation call.</param>
public sealed record ManifestSampling(int MaxSummaryTokens, int MaxSummaryWords, bool DoSample, double Temperature, double TopP, int TopK, long? Seed, int BatchSize);
