using Plus.Torch.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Generation;

/// <summary>
/// The state of one batched generation: preallocated token, log-prob and activity buffers, the KV cache and the
/// per-row finished flags, all updated in place. Each <see cref="Step"/> opens and closes its own dispose scope and
/// grad mode, so steps may run on different threads (streaming).
/// </summary>
internal sealed class GenerationRun : IDisposable
{
    private readonly CausalLM _model;
    private readonly GenerationOptions _options;
    private readonly int _batch;
    private readonly int _promptLength;
    private readonly Tensor _promptIds;
    private readonly Tensor _promptMask;
    private readonly Tensor _promptPositions;
    private readonly Tensor _tokens;
    private readonly Tensor _logProbs;
    private readonly Tensor _active;
    private readonly Tensor _finished;
    private readonly Tensor _next;
    private readonly Tensor _positions;
    private readonly Tensor? _stopIds;
    private readonly KvCache? _cache;
    private readonly FusedProjections? _fused;
    private readonly TorchSharp.torch.Generator? _sampler;
    private readonly HashSet<int> _stopSet;
    private readonly List<int>[]? _hostTokens;
    private readonly FinishReason?[] _reasons;
    private readonly bool _hostSync;

    public GenerationRun(CausalLM model, Tensor inputIds, Tensor? attentionMask, GenerationOptions options, bool hostSync)
    {
        _model = model;
        _options = options;
        _batch = (int)inputIds.shape[0];
        _promptLength = (int)inputIds.shape[1];
        _hostSync = hostSync || options.StopPredicate is not null;
        _stopSet = [.. options.StopTokenIds];
        _reasons = new FinishReason?[_batch];
        var device = model.Device;
        int n = options.MaxNewTokens;

        using var scope = NewDisposeScope();
        _promptIds = inputIds.to(ScalarType.Int64, device).contiguous();
        _promptMask = attentionMask is null
            ? ones(_batch, _promptLength, ScalarType.Int64, device)
            : attentionMask.to(ScalarType.Int64, device).contiguous();
        if (!HostReads.Flag(_promptMask.select(1, _promptLength - 1).eq(1).all()))
        {
            throw new ArgumentException(
                "The last prompt column must be a real token in every row: pad prompts on the left (attention mask 0 at the start).", nameof(attentionMask));
        }

        _promptPositions = PositionIds.FromAttentionMask(_promptMask);
        // Position of the token fed at the next decode step; the first new token sits right after the prompt's last real token.
        _positions = _promptMask.sum(1, keepdim: true, type: ScalarType.Int64).sub_(1);
        _tokens = full(_batch, n, options.PadTokenId, ScalarType.Int64, device);
        _logProbs = zeros(_batch, n, ScalarType.Float32, device);
        _active = zeros(_batch, n, ScalarType.Bool, device);
        _finished = zeros(_batch, ScalarType.Bool, device);
        _next = zeros(_batch, 1, ScalarType.Int64, device);
        _stopIds = options.StopTokenIds.Count > 0
            ? tensor(options.StopTokenIds.Select(i => (long)i).ToArray(), ScalarType.Int64, device)
            : null;
        scope.Detach(_promptIds, _promptMask, _promptPositions);
        scope.Detach(_positions, _tokens, _logProbs);
        scope.Detach(_active, _finished, _next);
        if (_stopIds is not null) scope.Detach(_stopIds);

        if (options.UseCache)
        {
            _cache = model.CreateCache(_batch, _promptLength + n);
            if (options.FuseProjections) _fused = model.CreateFusedProjections();
        }

        if (options.DoSample)
        {
            long seed = options.Seed ?? Random.Shared.NextInt64();
            if (device.type == TorchSharp.DeviceType.CUDA)
            {
                // TorchSharp 0.107 builds Generator objects for the CPU whatever the device, and CUDA sampling
                // refuses a CPU generator; seed the device's default generator instead (reproducible as long as
                // nothing else draws from it during the run).
                cuda.manual_seed(seed);
            }
            else
            {
                _sampler = new TorchSharp.torch.Generator((ulong)seed, device);
            }
        }

        if (_hostSync) _hostTokens = [.. Enumerable.Range(0, _batch).Select(_ => new List<int>())];
    }

    public int StepsDone { get; private set; }

    public bool IsComplete => StepsDone >= _options.MaxNewTokens || (_hostSync && _reasons.All(r => r is not null));

    public IReadOnlyList<FinishReason?> Reasons => _reasons;

    /// <summary>Runs one decoding step. With host sync it returns the step's tokens for streaming and predicates.</summary>
    public GenerationStep? Step()
    {
        if (StepsDone >= _options.MaxNewTokens) throw new InvalidOperationException("The generation already produced MaxNewTokens tokens.");
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        int step = StepsDone;
        var logits = NextLogits(step);
        if (step < _options.MinNewTokens && _stopIds is not null)
        {
            logits.index_fill_(1, _stopIds, double.NegativeInfinity);
        }

        var (token, logProb) = Choose(logits);
        // Choose returns fresh tensors: fill them in place.
        token.masked_fill_(_finished, _options.PadTokenId);
        logProb.masked_fill_(_finished, 0);
        _active.select(1, step).copy_(_finished.logical_not());
        _tokens.select(1, step).copy_(token);
        _logProbs.select(1, step).copy_(logProb);
        if (_stopIds is not null) _finished.logical_or_(isin(token, _stopIds));
        _next.copy_(token.unsqueeze(1));
        _positions.add_(1);
        StepsDone = step + 1;
        return _hostSync ? SyncHost(step, token, logProb) : null;
    }

    /// <summary>Whether every row has finished (one small device-to-host copy).</summary>
    public bool AllFinishedOnDevice()
    {
        using var scope = NewDisposeScope();
        return HostReads.Flag(_finished.all());
    }

    public GenerationOutput BuildOutput()
    {
        int n = StepsDone;
        using var scope = NewDisposeScope();
        var tokens = _tokens.narrow(1, 0, n);
        var active = _active.narrow(1, 0, n).to(ScalarType.Int64);
        var logProbs = _logProbs.narrow(1, 0, n).clone();
        var sequenceIds = cat([_promptIds, tokens], 1);
        var attention = cat([_promptMask, active], 1);
        var newMask = cat([zeros_like(_promptMask), active], 1);

        // One device-to-host copy for tokens, activity and log-probs (token ids and fp32 values are exact in fp64).
        double[] host = HostReads.ToArray<double>(stack([tokens.to(ScalarType.Float64), active.to(ScalarType.Float64), logProbs.to(ScalarType.Float64)]));
        int plane = _batch * n;
        var sequences = new GeneratedSequence[_batch];
        for (int b = 0; b < _batch; b++)
        {
            var ids = new List<int>();
            var lps = new List<float>();
            for (int s = 0; s < n; s++)
            {
                if (host[plane + b * n + s] == 0) break;
                ids.Add((int)host[b * n + s]);
                lps.Add((float)host[2 * plane + b * n + s]);
            }

            var reason = _reasons[b]
                ?? (ids.Count > 0 && _stopSet.Contains(ids[^1]) && (ids.Count > _options.MinNewTokens || _options.MinNewTokens == 0)
                    ? FinishReason.Stop
                    : FinishReason.Length);
            sequences[b] = new GeneratedSequence(ids, lps, reason);
        }

        return new GenerationOutput(
            sequences,
            _promptLength,
            sequenceIds.MoveToOuterDisposeScope(),
            attention.MoveToOuterDisposeScope(),
            newMask.MoveToOuterDisposeScope(),
            logProbs.MoveToOuterDisposeScope());
    }

    public void Dispose()
    {
        _cache?.Dispose();
        _fused?.Dispose();
        _sampler?.Dispose();
        _promptIds.Dispose();
        _promptMask.Dispose();
        _promptPositions.Dispose();
        _tokens.Dispose();
        _logProbs.Dispose();
        _active.Dispose();
        _finished.Dispose();
        _next.Dispose();
        _positions.Dispose();
        _stopIds?.Dispose();
    }

    private Tensor NextLogits(int step)
    {
        Tensor hidden;
        if (_cache is not null)
        {
            hidden = step == 0
                ? _model.ForwardHiddenCore(_promptIds, _promptMask, _promptPositions, _cache, _fused)
                : _model.ForwardHiddenCore(_next, null, _positions, _cache, _fused);
        }
        else
        {
            // Recompute the whole sequence: prompt plus the tokens so far, all new tokens attended (as with the cache).
            var ids = step == 0 ? _promptIds : cat([_promptIds, _tokens.narrow(1, 0, step)], 1);
            var mask = step == 0 ? _promptMask : cat([_promptMask, ones(_batch, step, ScalarType.Int64, _promptMask.device)], 1);
            hidden = _model.ForwardHidden(ids, mask, PositionIds.FromAttentionMask(mask));
        }

        return _model.ComputeLogits(hidden.select(1, hidden.shape[1] - 1));
    }

    private (Tensor Token, Tensor LogProb) Choose(Tensor logits)
    {
        if (!_options.DoSample)
        {
            var greedy = logits.argmax(-1, keepdim: true);
            var lp = logits.gather(-1, greedy) - logits.logsumexp(-1, keepdim: true);
            return (greedy.squeeze(-1), lp.squeeze(-1));
        }

        var scaled = _options.Temperature == 1.0 ? logits : logits.div(_options.Temperature);
        var logZ = scaled.logsumexp(-1, keepdim: true);
        long vocab = scaled.shape[^1];
        Tensor candidates;
        Tensor? candidateIds = null;
        if (_options.TopK > 0 && _options.TopK < vocab)
        {
            (candidates, candidateIds) = scaled.topk(_options.TopK, -1, largest: true, sorted: true);
        }
        else if (_options.TopP < 1.0)
        {
            (candidates, candidateIds) = scaled.sort(-1, descending: true);
        }
        else
        {
            candidates = scaled;
        }

        if (_options.TopP < 1.0)
        {
            var probs = candidates.softmax(-1);
            var before = probs.cumsum(-1) - probs;
            candidates = candidates.masked_fill(before.ge(_options.TopP), double.NegativeInfinity);
        }

        var pick = SampleOne(candidates.softmax(-1), _sampler);
        var token = candidateIds is null ? pick : candidateIds.gather(-1, pick);
        var logProb = scaled.gather(-1, token) - logZ;
        return (token.squeeze(-1), logProb.squeeze(-1));
    }

    /// <summary>
    /// One draw per row from <paramref name="probs"/> [B, K], as <c>multinomial(probs, 1)</c> draws it: the index of
    /// the largest <c>p / q</c> with <c>q ~ Exp(1)</c> (the Gumbel-max trick; libtorch's multinomial does exactly this
    /// for one sample, from the same generator stream), without multinomial's checks of the distribution, which cost
    /// extra kernels, and in older libtorch versions two host synchronisations, at every decode step.
    /// </summary>
    /// <returns>[B, 1] int64 indices.</returns>
    internal static Tensor SampleOne(Tensor probs, TorchSharp.torch.Generator? generator)
    {
        using var scope = NewDisposeScope();
        var q = empty_like(probs).exponential_(1, generator);
        return probs.div(q).argmax(-1, keepdim: true).MoveToOuterDisposeScope();
    }

    private GenerationStep SyncHost(int step, Tensor token, Tensor logProb)
    {
        double[] host = HostReads.ToArray<double>(stack([token.to(ScalarType.Float64), logProb.to(ScalarType.Float64), _finished.to(ScalarType.Float64)]));
        var ids = new int[_batch];
        var lps = new float[_batch];
        var active = new bool[_batch];
        List<long>? stopRows = null;
        for (int b = 0; b < _batch; b++)
        {
            ids[b] = (int)host[b];
            lps[b] = (float)host[_batch + b];
            bool finishedNow = host[2 * _batch + b] != 0;
            if (_reasons[b] is not null) continue;
            active[b] = true;
            _hostTokens![b].Add(ids[b]);
            if (finishedNow)
            {
                _reasons[b] = FinishReason.Stop;
            }
            else if (_options.StopPredicate is { } predicate && predicate(b, _hostTokens[b]))
            {
                _reasons[b] = FinishReason.Stop;
                (stopRows ??= []).Add(b);
            }
            else if (step + 1 >= _options.MaxNewTokens)
            {
                _reasons[b] = FinishReason.Length;
            }
        }

        if (stopRows is not null)
        {
            using var rows = tensor(stopRows.ToArray(), ScalarType.Int64, _finished.device);
            _finished.index_fill_(0, rows, true);
        }

        return new GenerationStep(step, ids, lps, active, [.. _reasons]);
    }
}
