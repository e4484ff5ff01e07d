using System.Runtime.CompilerServices;
using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Generation;

/// <summary>
/// Batched token-level generation over a <see cref="CausalLM"/>: greedy or sampled (temperature, top-k, top-p),
/// stop tokens and a stop predicate, minimum and maximum new tokens, each row stopping independently, with a
/// preallocated KV cache. The tokenizer layer wraps it to work on text.
/// </summary>
/// <remarks>
/// Prompts are left-padded: <c>inputIds</c> [B, T] with an attention mask that is 0 on the leading padding; position
/// ids come from the mask. The decode loop updates preallocated buffers in place and copies nothing to the host
/// except every <see cref="GenerationOptions.StopCheckInterval"/> steps (one flag), unless a stop predicate or
/// streaming needs the tokens (one small copy per step). Not thread-safe: one generation at a time per model.
/// </remarks>
public sealed class TokenGenerator
{
    /// <summary>Creates a generator.</summary>
    /// <param name="model">The model; not owned.</param>
    public TokenGenerator(CausalLM model)
    {
        ArgumentNullException.ThrowIfNull(model);
        Model = model;
    }

    /// <summary>The model.</summary>
    public CausalLM Model { get; }

    /// <summary>Generates for a batch and returns everything at the end.</summary>
    /// <param name="inputIds">[B, T] int64 left-padded prompt ids.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; <see langword="null"/> when no row is padded.</param>
    /// <param name="options">How to generate.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <returns>The output; the caller disposes it (its tensors are also registered with the caller's dispose scope, if any).</returns>
    /// <exception cref="ArgumentException">Shapes disagree or the prompts are right-padded.</exception>
    /// <exception cref="OperationCanceledException">Cancelled between steps.</exception>
    public GenerationOutput Generate(Tensor inputIds, Tensor? attentionMask, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        Validate(inputIds, attentionMask, options);
        using var run = new GenerationRun(Model, inputIds, attentionMask, options, hostSync: false);
        bool hostSync = options.StopPredicate is not null;
        while (!run.IsComplete)
        {
            cancellationToken.ThrowIfCancellationRequested();
            run.Step();
            if (!hostSync && run.StepsDone % options.StopCheckInterval == 0 && options.StopTokenIds.Count > 0 && run.AllFinishedOnDevice())
            {
                break;
            }
        }

        return run.BuildOutput();
    }

    /// <summary>Generates on the thread pool; see <see cref="Generate"/>.</summary>
    /// <param name="inputIds">[B, T] int64 left-padded prompt ids.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; <see langword="null"/> when no row is padded.</param>
    /// <param name="options">How to generate.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <returns>The output; the caller disposes it.</returns>
    public Task<GenerationOutput> GenerateAsync(Tensor inputIds, Tensor? attentionMask, GenerationOptions options, CancellationToken cancellationToken = default)
    {
        Validate(inputIds, attentionMask, options);
        return Task.Run(() => Generate(inputIds, attentionMask, options, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Generates step by step, yielding every row's token as soon as it is chosen. Each step runs on the thread
    /// pool; cancellation is honoured between steps. Ends when every row has finished or after
    /// <see cref="GenerationOptions.MaxNewTokens"/> steps.
    /// </summary>
    /// <param name="inputIds">[B, T] int64 left-padded prompt ids (read before the first step).</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; <see langword="null"/> when no row is padded.</param>
    /// <param name="options">How to generate.</param>
    /// <param name="cancellationToken">Checked between steps.</param>
    /// <returns>The steps.</returns>
    public async IAsyncEnumerable<GenerationStep> StreamAsync(
        Tensor inputIds,
        Tensor? attentionMask,
        GenerationOptions options,
        [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        Validate(inputIds, attentionMask, options);
        using var run = new GenerationRun(Model, inputIds, attentionMask, options, hostSync: true);
        while (!run.IsComplete)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var step = await Task.Run(run.Step, cancellationToken).ConfigureAwait(false);
            yield return step!;
        }
    }

    private static void Validate(Tensor inputIds, Tensor? attentionMask, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (inputIds.ndim != 2 || inputIds.shape[0] == 0 || inputIds.shape[1] == 0)
        {
            throw new ArgumentException($"inputIds must be a non-empty [batch, seq] tensor, found [{string.Join(", ", inputIds.shape)}].", nameof(inputIds));
        }

        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException(
                $"attentionMask [{string.Join(", ", attentionMask.shape)}] must match inputIds [{string.Join(", ", inputIds.shape)}].", nameof(attentionMask));
        }
    }
}
