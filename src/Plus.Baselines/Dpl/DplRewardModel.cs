using Plus.Torch.Reward;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Baselines.Dpl;

/// <summary>
/// A DPL reward model: the backbone and text encoder of a Plus.Torch <see cref="ConditionedRewardModel"/> with a
/// multi-output head <c>score</c> [outputs, hidden] (no bias) read at the last attended token — 2 outputs (μ, raw σ)
/// for <see cref="DplVariant.MeanVariance"/>, <see cref="DplOptions.Atoms"/> logits for
/// <see cref="DplVariant.Categorical"/>. As an <see cref="IRewardModel"/> it returns the expected reward
/// (<see cref="DplMath.ExpectedReward"/>); <see cref="Predict"/> and <see cref="ScoreDistributions"/> also report the
/// uncertainty, DPL's point.
/// </summary>
/// <remarks>
/// <para>The base model's own scalar head (<see cref="RewardModel.ScoreWeight"/>, [1, hidden]) is not used: it is
/// frozen here and left out of <see cref="TrainableParameters"/> and <see cref="HfStateDict"/>, whose
/// <c>score.weight</c> is this model's [outputs, hidden] head — an HF <c>*ForSequenceClassification</c> state dict
/// with <c>num_labels</c> = outputs. Do not score with the base model directly.</para>
/// <para>Scores do not depend on the other queries of a call (rows are right-padded and read at their last attended
/// token). The no-grad methods serialize on an internal lock; the differentiable ones must not run concurrently with
/// anything else on the same model. Disposing disposes the head, and the base model when it is owned.</para>
/// </remarks>
public sealed class DplRewardModel : IRewardModel, IDisposable
{
    /// <summary>The name of the head's weight in <see cref="TrainableParameters"/> and <see cref="HfStateDict"/>: <c>score.weight</c>.</summary>
    public const string HeadWeightName = RewardModel.ScoreModuleName + ".weight";

    private readonly Lock _gate = new();
    private readonly bool _ownsBase;
    private readonly Linear _head;
    private bool _disposed;

    /// <summary>Adds a fresh DPL head, drawn from N(0, 0.02²), to a reward model's backbone.</summary>
    /// <param name="baseModel">The backbone (full or with LoRA) and its text encoder; its scalar head is frozen and unused.</param>
    /// <param name="options">The head and loss settings; null for the defaults (mean-variance).</param>
    /// <param name="headSeed">Seeds the head.</param>
    /// <param name="ownsBaseModel">Dispose <paramref name="baseModel"/> with this object (default true).</param>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range.</exception>
    public DplRewardModel(ConditionedRewardModel baseModel, DplOptions? options = null, long headSeed = 0, bool ownsBaseModel = true)
    {
        ArgumentNullException.ThrowIfNull(baseModel);
        options ??= new DplOptions();
        options.Validate();
        Base = baseModel;
        Options = options;
        _ownsBase = ownsBaseModel;
        var model = baseModel.Model;
        _head = nn.Linear(model.Config.HiddenSize, options.Outputs, hasBias: false, model.Device, model.DType);
        using (var generator = new Generator(unchecked((ulong)headSeed), CPU))
        using (var noGrad = no_grad())
        using (var init = empty(_head.weight!.shape, ScalarType.Float32).normal_(0, 0.02, generator))
        {
            _head.weight!.copy_(init);
        }

        model.ScoreWeight.requires_grad = false;
    }

    /// <summary>The backbone and text encoder (its scalar head is unused).</summary>
    public ConditionedRewardModel Base { get; }

    /// <summary>The head and loss settings.</summary>
    public DplOptions Options { get; }

    /// <summary>The head <c>score</c>: hidden → <see cref="DplOptions.Outputs"/>, no bias.</summary>
    public Linear Head => _head;

    /// <summary>The head's weight [outputs, hidden].</summary>
    public Parameter HeadWeight => _head.weight!;

    /// <summary>Head outputs at the last attended token of each row (differentiable, in the current train/eval mode).</summary>
    /// <param name="inputIds">[B, T] int64 token ids.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; null when every token is real.</param>
    /// <returns>[B, outputs] fp32 raw outputs (μ and raw σ, or atom logits).</returns>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = NewDisposeScope();
        var hidden = Base.Model.Backbone.ForwardHidden(inputIds, attentionMask);
        long b = hidden.shape[0], t = hidden.shape[1], h = hidden.shape[2];
        var index = attentionMask is null ? full(b, t - 1, ScalarType.Int64, hidden.device) : RewardModel.LastAttendedIndex(attentionMask);
        var last = hidden.gather(1, index.view(b, 1, 1).expand(b, 1, h)).squeeze(1).to(ScalarType.Float32);
        return nn.functional.linear(last, HeadWeight.to(ScalarType.Float32)).MoveToOuterDisposeScope();
    }

    /// <summary>Head outputs of the chosen and the rejected response of every pair, in one forward of 2B rows, with gradients.</summary>
    /// <param name="pairs">The pairs (at least one).</param>
    /// <returns>Chosen [B, outputs] and rejected [B, outputs] (current dispose scope), and how many sequences were truncated.</returns>
    public (Tensor Chosen, Tensor Rejected, int Truncated) ForwardPairs(IReadOnlyList<ConditionedPair> pairs)
    {
        var queries = PairQueries(pairs);
        var encodings = Base.Encoder.Encode(queries);
        using var scope = NewDisposeScope();
        var (ids, mask) = Base.Collate(encodings);
        var raw = Forward(ids, mask);
        return (raw.narrow(0, 0, pairs.Count).MoveToOuterDisposeScope(), raw.narrow(0, pairs.Count, pairs.Count).MoveToOuterDisposeScope(), encodings.Count(e => e.Truncated));
    }

    /// <summary>The DPL loss of a batch (<see cref="DplMath.Loss"/>) and the chosen probabilities, from one forward.</summary>
    /// <param name="pairs">The pairs (at least one).</param>
    /// <returns>The loss, probabilities and raw outputs in the current dispose scope.</returns>
    public DplPairOutput PairLoss(IReadOnlyList<ConditionedPair> pairs)
    {
        var (chosen, rejected, truncated) = ForwardPairs(pairs);
        return new DplPairOutput(DplMath.Loss(Options, chosen, rejected), DplMath.ChosenProbability(Options, chosen, rejected), chosen, rejected, truncated);
    }

    /// <summary>Raw head outputs without gradients, in eval mode, in length-sorted batches of the base model's batch size.</summary>
    /// <param name="queries">What to score.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>[N, outputs] fp32 on the CPU, in query order (current dispose scope).</returns>
    public Tensor ScoreRaw(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        ObjectDisposedException.ThrowIf(_disposed, this);
        var result = new float[queries.Count * Options.Outputs];
        lock (_gate)
        {
            var encodings = Base.Encoder.Encode(queries);
            var order = Enumerable.Range(0, queries.Count).OrderBy(i => encodings[i].TokenIds.Count).ToArray();
            var model = Base.Model;
            bool wasTraining = model.training;
            model.eval();
            try
            {
                using var noGrad = no_grad();
                for (int start = 0; start < order.Length; start += Base.BatchSize)
                {
                    cancellationToken.ThrowIfCancellationRequested();
                    var slice = order.Skip(start).Take(Base.BatchSize).ToArray();
                    using var scope = NewDisposeScope();
                    var (ids, mask) = Base.Collate(slice.Select(i => encodings[i]).ToArray());
                    var batch = Forward(ids, mask).cpu().data<float>().ToArray();
                    for (int j = 0; j < slice.Length; j++) Array.Copy(batch, j * Options.Outputs, result, slice[j] * Options.Outputs, Options.Outputs);
                }
            }
            finally
            {
                if (wasTraining) model.train();
            }
        }

        return tensor(result, [queries.Count, Options.Outputs], ScalarType.Float32);
    }

    /// <summary>The reward and uncertainty of each response (no gradients, eval mode).</summary>
    /// <param name="queries">What to score.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One score per query, in order.</returns>
    public IReadOnlyList<DplScore> ScoreDistributions(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0) return [];
        using var scope = NewDisposeScope();
        return ToScores(ScoreRaw(queries, cancellationToken));
    }

    /// <summary>The expected reward of each response (μ, or the mean atom value), without gradients.</summary>
    /// <param name="queries">What to score.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One reward per query, in order.</returns>
    public IReadOnlyList<float> Score(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        if (queries.Count == 0) return [];
        using var scope = NewDisposeScope();
        return DplMath.ExpectedReward(Options, ScoreRaw(queries, cancellationToken)).data<float>().ToArray();
    }

    /// <inheritdoc />
    public Task<IReadOnlyList<float>> ScoreAsync(IReadOnlyList<RewardQuery> queries, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(queries);
        return Task.Run(() => Score(queries, cancellationToken), cancellationToken);
    }

    /// <summary>
    /// The probability that each chosen response is preferred, with both responses' uncertainty (no gradients).
    /// Chosen and rejected are scored independently, so the result equals <see cref="PairLoss"/>'s probability in eval mode.
    /// </summary>
    /// <param name="pairs">The pairs.</param>
    /// <param name="cancellationToken">Checked between batches.</param>
    /// <returns>One prediction per pair, in order.</returns>
    public IReadOnlyList<DplPrediction> Predict(IReadOnlyList<ConditionedPair> pairs, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        if (pairs.Count == 0) return [];
        using var scope = NewDisposeScope();
        var raw = ScoreRaw(PairQueries(pairs), cancellationToken);
        var chosen = raw.narrow(0, 0, pairs.Count);
        var rejected = raw.narrow(0, pairs.Count, pairs.Count);
        var probability = DplMath.ChosenProbability(Options, chosen, rejected).to(ScalarType.Float64).data<double>().ToArray();
        var scores = ToScores(raw);
        var result = new DplPrediction[pairs.Count];
        for (int i = 0; i < pairs.Count; i++) result[i] = new DplPrediction(probability[i], scores[i], scores[pairs.Count + i]);
        return result;
    }

    /// <summary>
    /// The parameters to optimize: the backbone's trainable ones (all of them, or the LoRA matrices under an adapter)
    /// under their <see cref="RewardModel"/> module names (<c>backbone.*</c>), then the head as <see cref="HeadWeightName"/>.
    /// The base model's scalar head is never included.
    /// </summary>
    /// <returns>Names and parameters, in a stable order.</returns>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters()
    {
        var result = Base.Model.TrainableParameters().Where(p => p.Name != HeadWeightName).ToList();
        result.Add((HeadWeightName, HeadWeight));
        return result;
    }

    /// <summary>
    /// The weights under Hugging Face names (<c>model.*</c>, LoRA merged, no <c>lm_head</c>) with <c>score.weight</c> the
    /// DPL head [outputs, hidden] — a <c>*ForSequenceClassification</c> state dict with <c>num_labels</c> = outputs.
    /// Merged weights are new tensors in the current dispose scope (call inside <c>torch.NewDisposeScope()</c>).
    /// </summary>
    /// <returns>The state dict.</returns>
    public IReadOnlyList<KeyValuePair<string, Tensor>> HfStateDict()
    {
        var result = Base.Model.HfStateDict().Where(kv => kv.Key != HeadWeightName).ToList();
        result.Add(new(HeadWeightName, HeadWeight));
        return result;
    }

    /// <summary>Puts the backbone in train mode (dropout on).</summary>
    public void Train() => Base.Model.train();

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        _head.Dispose();
        if (_ownsBase) Base.Dispose();
    }

    private static RewardQuery[] PairQueries(IReadOnlyList<ConditionedPair> pairs)
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

        return queries;
    }

    private DplScore[] ToScores(Tensor raw)
    {
        using var scope = NewDisposeScope();
        int n = (int)raw.shape[0];
        var reward = DplMath.ExpectedReward(Options, raw).data<float>().ToArray();
        var result = new DplScore[n];
        if (Options.Variant == DplVariant.MeanVariance)
        {
            var sigma = DplMath.MeanAndSigma(raw).Sigma.data<float>().ToArray();
            for (int i = 0; i < n; i++) result[i] = new DplScore(reward[i], sigma[i], null);
            return result;
        }

        int k = Options.Atoms;
        var p = raw.softmax(-1).data<float>().ToArray();
        var atoms = DplMath.AtomValues(k).data<float>().ToArray();
        for (int i = 0; i < n; i++)
        {
            var row = p.AsSpan(i * k, k).ToArray();
            double second = 0;
            for (int j = 0; j < k; j++) second += row[j] * (double)atoms[j] * atoms[j];
            double variance = Math.Max(0, second - (double)reward[i] * reward[i]);
            result[i] = new DplScore(reward[i], (float)Math.Sqrt(variance), row);
        }

        return result;
    }
}
