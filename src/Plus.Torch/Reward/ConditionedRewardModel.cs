using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Reward;

/// <summary>
/// A reward model at the text level: <see cref="RewardTextEncoder"/> (conditioning, chat format, tokenization,
/// truncation) in front of a <see cref="RewardModel"/>. Implements Plus.Core's <see cref="IRewardModel"/>, and offers
/// what a trainer needs: no-grad batched scoring (<see cref="Score"/>), differentiable scores of pairs in one forward
/// (<see cref="ForwardPairs"/>) and the Bradley-Terry loss (<see cref="PairLoss"/>).
/// </summary>
/// <remarks>
/// <para>A score does not depend on the other queries in the call: rows are right-padded and read at their last
/// attended token. <see cref="Score"/> sorts queries by length into batches of <see cref="BatchSize"/> to save
/// padding and returns the scores in the original order.</para>
/// <para>Thread-safety: <see cref="Score"/> and <see cref="ScoreAsync"/> serialize on an internal lock; the
/// differentiable methods must not run concurrently with anything else on the same model. Disposing disposes the
/// <see cref="Model"/> when <c>ownsModel</c> was true.</para>
/// </remarks>
public sealed class ConditionedRewardModel : IRewardModel, IDisposable
{
    private readonly Lock _gate = new();
    private readonly bool _ownsModel;
    private bool _disposed;

    /// <summary>Creates the text-level model.</summary>
    /// <param name="model">The tensor-level reward model.</param>
    /// <param name="encoder">
    /// Turns queries into token ids. Its <see cref="RewardTextEncoder.MaxLength"/> is capped here at the model's
    /// <c>max_position_embeddings</c> when it is larger (<see cref="RewardTextEncoder.RequestedMaxLength"/> keeps the value asked for).
    /// </param>
    /// <param name="batchSize">Sequences per forward in <see cref="Score"/>, ≥ 1 (default 16).</param>
    /// <param name="ownsModel">Dispose <paramref name="model"/> with this object (default true).</param>
    public ConditionedRewardModel(RewardModel model, RewardTextEncoder encoder, int batchSize = 16, bool ownsModel = true)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (model.Config.VocabSize < encoder.Tokenizer.VocabSize)
        {
            throw new ArgumentException(
                $"The tokenizer '{encoder.Tokenizer.Source}' has {encoder.Tokenizer.VocabSize} ids but the model's vocabulary holds {model.Config.VocabSize}; they do not belong together.",
                nameof(encoder));
        }

        // Positions beyond the model's limit have no trained meaning: the encoder never feeds more than it has.
        encoder.CapTo(model.Config.MaxPositionEmbeddings);
        Model = model;
        Encoder = encoder;
        BatchSize = batchSize;
        _ownsModel = ownsModel;
    }

    /// <summary>The tensor-level model (backbone + head).</summary>
    public RewardModel Model { get; }

    /// <summary>The text encoder (its <see cref="RewardTextEncoder.Statistics"/> count truncations).</summary>
    public RewardTextEncoder Encoder { get; }

    /// <summary>Sequences per forward in <see cref="Score"/>.</summary>
    public int BatchSize { get; }

    /// <inheritdoc />
    public Task<IReadOnlyList<float>> ScoreAsync(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return Task.Run(() => Score(queries, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// Scores queries without gradients, in eval mode (dropout off), in length-sorted batches of <see cref="BatchSize"/>.
    /// </summary>
    /// <param name="queries">What to score.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One reward per query, in order.</returns>
    /// <exception cref="OperationCanceledException">Cancelled between batches.</exception>
    public IReadOnlyList<float> Score(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var scores = new float[queries.Count];
        if (queries.Count == 0) return scores;
        lock (_gate)
        {
            var encodings = Encoder.Encode(queries);
            var order = Enumerable.Range(0, queries.Count).OrderBy(i => encodings[i].TokenIds.Count).ToArray();
            bool wasTraining = Model.training;
            Model.eval();
            try
            {
                using var noGrad = no_grad();
                for (int start = 0; start < order.Length; start += BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var slice = order.Skip(start).Take(BatchSize).ToArray();
                    using var scope = NewDisposeScope();
                    var (ids, mask) = Collate(slice.Select(i => encodings[i]).ToArray());
                    var batch = Model.Forward(ids, mask).cpu().data<float>().ToArray();
                    for (int j = 0; j < slice.Length; j++) scores[slice[j]] = batch[j];
                }
            }
            finally
            {
                if (wasTraining) Model.train();
            }
        }

        return scores;
    }

    /// <summary>Scores queries in one forward, with gradients (in the model's current train/eval mode).</summary>
    /// <param name="queries">What to score (at least one).</param>
    /// <returns>[N] fp32 rewards in the current dispose scope.</returns>
    public Tensor ScoreWithGrad(IReadOnlyList<RewardQuery> queries)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0) throw new ArgumentException("At least one query is needed.", nameof(queries));
        using var scope = NewDisposeScope();
        var (ids, mask) = Collate(Encoder.Encode(queries));
        return Model.Forward(ids, mask).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Scores the chosen and the rejected response of every pair in <b>one</b> forward of 2B rows, with gradients.
    /// </summary>
    /// <param name="pairs">The pairs (at least one).</param>
    /// <returns>Chosen [B] and rejected [B] fp32 rewards (current dispose scope), and how many sequences were truncated.</returns>
    public (Tensor Chosen, Tensor Rejected, int Truncated) ForwardPairs(IReadOnlyList<ConditionedPair> pairs)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) throw new ArgumentException("At least one pair is needed.", nameof(pairs));
        var queries = new RewardQuery[pairs.Count * 2];
        for (int i = 0; i < pairs.Count; i++)
        {
            var pair = pairs[i] ?? throw new ArgumentException($"pairs[{i}] is null.", nameof(pairs));
            queries[i] = pair.ChosenQuery;
            queries[pairs.Count + i] = pair.RejectedQuery;
        }

        var encodings = Encoder.Encode(queries);
        using var scope = NewDisposeScope();
        var (ids, mask) = Collate(encodings);
        var rewards = Model.Forward(ids, mask);
        var chosen = rewards.narrow(0, 0, pairs.Count).MoveToOuterDisposeScope();
        var rejected = rewards.narrow(0, pairs.Count, pairs.Count).MoveToOuterDisposeScope();
        return (chosen, rejected, encodings.Count(e => e.Truncated));
    }

    /// <summary>
    /// The Bradley-Terry loss of a batch of pairs, <c>mean(−log σ(r_c − r_r))</c>, from one forward of chosen and
    /// rejected together; call <c>Loss.backward()</c> and step an optimizer over <see cref="RewardModel.TrainableParameters"/>
    /// (or use <see cref="Training.BradleyTerryStep"/>, which does both).
    /// </summary>
    /// <param name="pairs">The pairs with their conditioning.</param>
    /// <param name="labelSmoothing">ε of <see cref="BradleyTerryLoss"/> (default 0).</param>
    /// <returns>The loss and both rewards, in the current dispose scope.</returns>
    public PairLossOutput PairLoss(IReadOnlyList<ConditionedPair> pairs, double labelSmoothing = 0)
    {
        ValidateLabelSmoothing(labelSmoothing);
        var (chosen, rejected, truncated) = ForwardPairs(pairs);
        return new PairLossOutput(BradleyTerryLoss(chosen, rejected, labelSmoothing), chosen, rejected, truncated);
    }

    /// <summary>
    /// <c>mean(−log σ(chosen − rejected)) = mean(softplus(rejected − chosen))</c>, numerically stable; with label
    /// smoothing ε, <c>mean((1 − ε)·softplus(rejected − chosen) + ε·softplus(chosen − rejected))</c>, the loss of a
    /// label that says "chosen" with probability 1 − ε, whose minimum is at the finite margin log((1 − ε) / ε).
    /// </summary>
    /// <param name="chosen">[B] rewards of the chosen responses.</param>
    /// <param name="rejected">[B] rewards of the rejected responses.</param>
    /// <param name="labelSmoothing">ε in [0, 0.5) (default 0: the plain Bradley-Terry loss).</param>
    /// <returns>A scalar fp32 tensor in the current dispose scope.</returns>
    /// <exception cref="ArgumentException">The shapes differ.</exception>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="labelSmoothing"/> is outside [0, 0.5).</exception>
    public static Tensor BradleyTerryLoss(Tensor chosen, Tensor rejected, double labelSmoothing = 0)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(rejected);
        ValidateLabelSmoothing(labelSmoothing);
        if (!chosen.shape.SequenceEqual(rejected.shape))
        {
            throw new ArgumentException($"chosen [{string.Join(", ", chosen.shape)}] and rejected [{string.Join(", ", rejected.shape)}] must have the same shape.", nameof(rejected));
        }

        using var scope = NewDisposeScope();
        var margin = chosen.to(ScalarType.Float32) - rejected.to(ScalarType.Float32);
        if (labelSmoothing == 0) return nn.functional.softplus(-margin).mean().MoveToOuterDisposeScope();
        return ((1 - labelSmoothing) * nn.functional.softplus(-margin) + labelSmoothing * nn.functional.softplus(margin)).mean().MoveToOuterDisposeScope();
    }

    /// <summary>Throws unless <paramref name="labelSmoothing"/> is in [0, 0.5).</summary>
    internal static void ValidateLabelSmoothing(double labelSmoothing)
    {
        if (!(labelSmoothing >= 0 && labelSmoothing < 0.5))
            throw new ArgumentOutOfRangeException(nameof(labelSmoothing), labelSmoothing, "Label smoothing must lie in [0, 0.5).");
    }

    /// <summary>Pads encodings on the right into ids and mask tensors on the model's device.</summary>
    /// <param name="encodings">The rows (at least one).</param>
    /// <returns>Ids [B, T] and mask [B, T], int64, in the current dispose scope.</returns>
    public (Tensor InputIds, Tensor AttentionMask) Collate(IReadOnlyList<RewardEncoding> encodings)
    {
        ArgumentNullException.ThrowIfNull(encodings);
        if (encodings.Count == 0) throw new ArgumentException("At least one encoding is needed.", nameof(encodings));
        int width = encodings.Max(e => e.TokenIds.Count);
        if (width == 0) throw new ArgumentException("Every encoding is empty.", nameof(encodings));
        var ids = new long[encodings.Count * width];
        var mask = new long[encodings.Count * width];
        Array.Fill(ids, Encoder.PadId);
        for (int i = 0; i < encodings.Count; i++)
        {
            var row = encodings[i].TokenIds;
            if (row.Count == 0) throw new ArgumentException($"Encoding {i} holds no token.", nameof(encodings));
            for (int j = 0; j < row.Count; j++)
            {
                ids[i * width + j] = row[j];
                mask[i * width + j] = 1;
            }
        }

        var device = Model.Device;
        return (
            tensor(ids, [encodings.Count, width], ScalarType.Int64, device),
            tensor(mask, [encodings.Count, width], ScalarType.Int64, device));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        if (_ownsModel) Model.Dispose();
    }
}
