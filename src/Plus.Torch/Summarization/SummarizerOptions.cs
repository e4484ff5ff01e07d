using Plus.Prompts;

namespace Plus.Torch.Summarization;

/// <summary>
/// How <see cref="TorchUserSummarizer"/> writes summaries. Defaults follow the paper (appendix B): sampling at
/// temperature 1.0, at most 256 summary tokens. The embedded tiny model is used with <c>MaxSummaryTokens = 32</c>.
/// </summary>
public sealed record SummarizerOptions
{
    /// <summary>The prompt domain, used only when no <see cref="PromptRenderer"/> is passed to the summarizer (default generic).</summary>
    public PromptDomain Domain { get; init; } = PromptDomain.Generic;

    /// <summary>
    /// The most tokens generated per summary, and the token cap of the extracted summary (default 256, the paper's).
    /// Prompts are fitted to the model's <c>max_position_embeddings</c> less this (see <see cref="TorchUserSummarizer"/>).
    /// </summary>
    public int MaxSummaryTokens { get; init; } = 256;

    /// <summary>The most words kept by the extractor (default 50, as the prompts ask).</summary>
    public int MaxSummaryWords { get; init; } = 50;

    /// <summary>Sample (default true, as in PPO rollouts); false is greedy decoding.</summary>
    public bool DoSample { get; init; } = true;

    /// <summary>Sampling temperature, &gt; 0 (default 1.0).</summary>
    public double Temperature { get; init; } = 1.0;

    /// <summary>Nucleus sampling threshold in (0, 1] (default 1.0: off).</summary>
    public double TopP { get; init; } = 1.0;

    /// <summary>Top-k sampling (default 0: off).</summary>
    public int TopK { get; init; }

    /// <summary>
    /// Seed for reproducible sampling; null draws a fresh one per call. <see cref="TorchUserSummarizer.SummarizeAsync"/>
    /// seeds batch <c>i</c> with <c>Seed + i</c>.
    /// </summary>
    public long? Seed { get; init; }

    /// <summary>How many contexts <see cref="TorchUserSummarizer.SummarizeAsync"/> generates in one batch (default 32, the paper's Pets summarizer batch).</summary>
    public int BatchSize { get; init; } = 32;

    /// <summary>The model name written into <see cref="UserSummary.Model"/> (default null).</summary>
    public string? ModelName { get; init; }

    /// <summary>Checks every option.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        if (MaxSummaryTokens < 1) throw new ArgumentOutOfRangeException(nameof(MaxSummaryTokens), MaxSummaryTokens, "SummarizerOptions.MaxSummaryTokens must be at least 1.");
        if (MaxSummaryWords < 1) throw new ArgumentOutOfRangeException(nameof(MaxSummaryWords), MaxSummaryWords, "SummarizerOptions.MaxSummaryWords must be at least 1.");
        if (!(Temperature > 0) || double.IsInfinity(Temperature)) throw new ArgumentOutOfRangeException(nameof(Temperature), Temperature, "SummarizerOptions.Temperature must be a positive finite number.");
        if (!(TopP > 0 && TopP <= 1)) throw new ArgumentOutOfRangeException(nameof(TopP), TopP, "SummarizerOptions.TopP must be in (0, 1].");
        if (TopK < 0) throw new ArgumentOutOfRangeException(nameof(TopK), TopK, "SummarizerOptions.TopK must be 0 (off) or positive.");
        if (BatchSize < 1) throw new ArgumentOutOfRangeException(nameof(BatchSize), BatchSize, "SummarizerOptions.BatchSize must be at least 1.");
    }
}
