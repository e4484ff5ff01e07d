using Plus.Torch.Chat;
using Plus.Torch.Generation;
using static TorchSharp.torch;

namespace Plus.Torch.Summarization;

/// <summary>
/// One batch of summaries written for training (<see cref="TorchUserSummarizer.SummarizeForTraining"/>): the
/// extracted summaries, the raw completions and the generation tensors a PPO step needs. Owns the tensors: dispose it.
/// </summary>
/// <remarks>
/// Row <c>i</c> of every tensor belongs to <c>Contexts[i]</c>. The prompts are left-padded to <see cref="PromptLength"/>
/// tokens; the generated part follows. The reward of row <c>i</c> belongs on its last new token (the end-of-turn token
/// when it stopped, otherwise the last token before the limit): the last column where <see cref="NewTokenMask"/> is 1.
/// </remarks>
public sealed class SummaryRollout : IDisposable
{
    private readonly TextGenerationResult _result;

    internal SummaryRollout(IReadOnlyList<UserContext> contexts, IReadOnlyList<UserSummary> summaries, TextGenerationResult result)
    {
        Contexts = contexts;
        Summaries = summaries;
        _result = result;
    }

    /// <summary>The contexts, in row order.</summary>
    public IReadOnlyList<UserContext> Contexts { get; }

    /// <summary>The chat-formatted summarizer prompt of each row, as the model read it (after any cut to fit its positions).</summary>
    public IReadOnlyList<string> PromptTexts => _result.PromptTexts;

    /// <summary>The extracted summary of each row (<see cref="UserSummary.RawOutput"/> holds the whole generated text).</summary>
    public IReadOnlyList<UserSummary> Summaries { get; }

    /// <summary>The completion of each row: text, token ids, per-token log-probs, finish reason.</summary>
    public IReadOnlyList<TextCompletion> Completions => _result.Completions;

    /// <summary>The token-level output that owns the tensors below.</summary>
    public GenerationOutput Output => _result.Output;

    /// <summary>T, the padded prompt length.</summary>
    public int PromptLength => _result.Output.PromptLength;

    /// <summary>[B, T + N] int64: left-padded prompt then the new tokens (pad after a row finished).</summary>
    public Tensor SequenceIds => _result.Output.SequenceIds;

    /// <summary>[B, T + N] int64: 1 on real prompt tokens and on counted new tokens.</summary>
    public Tensor AttentionMask => _result.Output.AttentionMask;

    /// <summary>[B, T + N] int64: 1 on counted new tokens only (the summary's tokens, up to and including end of turn).</summary>
    public Tensor NewTokenMask => _result.Output.NewTokenMask;

    /// <summary>[B, N] fp32: the sampling log-prob of each new token under the policy that generated it (0 after a row finished).</summary>
    public Tensor NewTokenLogProbs => _result.Output.NewTokenLogProbs;

    /// <inheritdoc />
    public void Dispose() => _result.Dispose();
}
