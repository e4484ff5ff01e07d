using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Baselines.Vpl;

/// <summary>
/// VPL's frozen text embeddings: the last-token hidden state of a prompt + response, as a reward model reads it
/// (<see cref="RewardTextEncoder"/> with <see cref="UserConditioning.None"/>: chat format, end-of-turn token, truncation),
/// from a backbone that is never trained. Each text is embedded once and cached by its rendered text.
/// </summary>
/// <remarks>
/// <para>The backbone runs in eval mode without gradients; its <c>requires_grad</c> flags are not touched (nothing here
/// optimizes it). The cache keeps one fp32 vector of <see cref="EmbeddingSize"/> floats per distinct text on the host
/// and grows without bound until <see cref="ClearCache"/>.</para>
/// <para>Thread-safe: <see cref="Embed"/> serializes on an internal lock. The backbone is not owned (not disposed).</para>
/// </remarks>
public sealed class VplEmbedder
{
    private readonly Dictionary<string, float[]> _cache = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    /// <summary>Creates the embedder.</summary>
    /// <param name="backbone">The frozen decoder (for example a <see cref="RewardModel.Backbone"/>).</param>
    /// <param name="encoder">Renders and tokenizes the texts.</param>
    /// <param name="batchSize">Sequences per backbone forward, ≥ 1 (default 16).</param>
    /// <exception cref="ArgumentException">The tokenizer has more ids than the backbone's vocabulary, or the encoder's MaxLength exceeds the backbone's positions.</exception>
    public VplEmbedder(CausalLM backbone, RewardTextEncoder encoder, int batchSize = 16)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(encoder);
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        if (backbone.Config.VocabSize < encoder.Tokenizer.VocabSize)
        {
            throw new ArgumentException($"The tokenizer '{encoder.Tokenizer.Source}' has {encoder.Tokenizer.VocabSize} ids but the backbone's vocabulary holds {backbone.Config.VocabSize}.", nameof(encoder));
        }

        if (encoder.MaxLength > backbone.Config.MaxPositionEmbeddings)
        {
            throw new ArgumentException(
                $"The encoder's MaxLength {encoder.MaxLength} is more than the backbone's {backbone.Config.MaxPositionEmbeddings} positions (config max_position_embeddings); " +
                "use the encoder of a ConditionedRewardModel built on this backbone (it is capped there) or a MaxLength within the positions.", nameof(encoder));
        }

        Backbone = backbone;
        Encoder = encoder;
        BatchSize = batchSize;
    }

    /// <summary>The frozen decoder.</summary>
    public CausalLM Backbone { get; }

    /// <summary>The text encoder.</summary>
    public RewardTextEncoder Encoder { get; }

    /// <summary>Sequences per backbone forward.</summary>
    public int BatchSize { get; }

    /// <summary>The embedding size d (the backbone's hidden size).</summary>
    public int EmbeddingSize => Backbone.Config.HiddenSize;

    /// <summary>How many distinct texts are cached.</summary>
    public int CachedCount
    {
        get
        {
            lock (_gate) return _cache.Count;
        }
    }

    /// <summary>Forgets every cached embedding.</summary>
    public void ClearCache()
    {
        lock (_gate) _cache.Clear();
    }

    /// <summary>The embeddings of prompt + response texts; texts not yet cached run through the backbone (no gradients).</summary>
    /// <param name="items">The texts.</param>
    /// <param name="device">Where the result lives; null for the CPU.</param>
    /// <param name="cancellationToken">Checked between backbone batches.</param>
    /// <returns>[N, d] fp32 in the current dispose scope (no gradient).</returns>
    public Tensor Embed(IReadOnlyList<(Conversation Prompt, string Response)> items, Device? device = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(items);
        int d = EmbeddingSize;
        var flat = new float[items.Count * d];
        lock (_gate)
        {
            var keys = new string[items.Count];
            var missing = new List<(string Key, RewardQuery Query)>();
            var queued = new HashSet<string>(StringComparer.Ordinal);
            for (int i = 0; i < items.Count; i++)
            {
                var (prompt, response) = items[i];
                if (prompt is null || response is null) throw new ArgumentException($"items[{i}] has a null prompt or response.", nameof(items));
                var query = new RewardQuery(prompt, response, UserConditioning.None);
                keys[i] = Encoder.RenderText(query);
                if (!_cache.ContainsKey(keys[i]) && queued.Add(keys[i])) missing.Add((keys[i], query));
            }

            Compute(missing, cancellationToken);
            for (int i = 0; i < items.Count; i++) Array.Copy(_cache[keys[i]], 0, flat, i * d, d);
        }

        return tensor(flat, [items.Count, d], ScalarType.Float32, device);
    }

    private void Compute(List<(string Key, RewardQuery Query)> missing, CancellationToken cancellationToken)
    {
        if (missing.Count == 0) return;
        var encodings = Encoder.Encode(missing.Select(m => m.Query).ToArray());
        var order = Enumerable.Range(0, missing.Count).OrderBy(i => encodings[i].TokenIds.Count).ToArray();
        bool wasTraining = Backbone.training;
        Backbone.eval();
        try
        {
            using var noGrad = no_grad();
            for (int start = 0; start < order.Length; start += BatchSize)
            {
                cancellationToken.ThrowIfCancellationRequested();
                var slice = order.Skip(start).Take(BatchSize).ToArray();
                using var scope = NewDisposeScope();
                int width = slice.Max(i => encodings[i].TokenIds.Count);
                if (width == 0) throw new ArgumentException($"The text '{missing[slice[0]].Key}' encodes to no token.", nameof(missing));
                var ids = new long[slice.Length * width];
                var mask = new long[slice.Length * width];
                Array.Fill(ids, Encoder.PadId);
                for (int r = 0; r < slice.Length; r++)
                {
                    var row = encodings[slice[r]].TokenIds;
                    for (int j = 0; j < row.Count; j++)
                    {
                        ids[r * width + j] = row[j];
                        mask[r * width + j] = 1;
                    }
                }

                var idsT = tensor(ids, [slice.Length, width], ScalarType.Int64, Backbone.Device);
                var maskT = tensor(mask, [slice.Length, width], ScalarType.Int64, Backbone.Device);
                var hidden = Backbone.ForwardHidden(idsT, maskT);
                long h = hidden.shape[2];
                var index = RewardModel.LastAttendedIndex(maskT);
                var last = hidden.gather(1, index.view(slice.Length, 1, 1).expand(slice.Length, 1, h)).squeeze(1);
                var host = last.to(ScalarType.Float32).cpu().data<float>().ToArray();
                for (int r = 0; r < slice.Length; r++) _cache[missing[slice[r]].Key] = host.AsSpan(r * (int)h, (int)h).ToArray();
            }
        }
        finally
        {
            if (wasTraining) Backbone.train();
        }
    }
}
