using Plus.Torch.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// A Qwen2/Llama-family decoder-only language model (<c>Qwen2ForCausalLM</c> / <c>LlamaForCausalLM</c>) with the
/// Hugging Face parameter names in its state dict: <c>model.embed_tokens.weight</c>,
/// <c>model.layers.{i}.self_attn.{q,k,v,o}_proj.{weight,bias}</c>, <c>model.layers.{i}.mlp.{gate,up,down}_proj.weight</c>,
/// <c>model.layers.{i}.input_layernorm.weight</c>, <c>model.layers.{i}.post_attention_layernorm.weight</c>,
/// <c>model.norm.weight</c> and <c>lm_head.weight</c> when the embeddings are not tied.
/// </summary>
/// <remarks>
/// Inputs are token ids [B, T] (int64), optionally left-padded with an attention mask [B, T] (1 on real tokens);
/// position ids default to <see cref="PositionIds.FromAttentionMask"/>. RMSNorm, logits and log-probs are computed
/// in fp32 whatever the model dtype. The seven projections of each layer can be swapped after construction
/// (<see cref="ReplaceProjection"/>) for adapters such as LoRA. Not thread-safe; the model owns its parameters
/// and frees them on <see cref="IDisposable.Dispose"/>.
/// </remarks>
[System.Diagnostics.CodeAnalysis.SuppressMessage("Naming", "CA1708", Justification = "TorchSharp's forward is lower-case by convention; Forward is the full-featured entry point.")]
public sealed class CausalLM : nn.Module<Tensor, Tensor>
{
    [ComponentName(Name = "model")]
    private readonly DecoderBackbone _model;

    [ComponentName(Name = "lm_head")]
    private readonly Linear? _lmHead;

    private Tensor? _invFreq;

    /// <summary>Builds a model with default-initialized weights (use <see cref="Create"/> or <see cref="FromPretrained"/>).</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="device">The device; <see langword="null"/> for the CPU.</param>
    /// <param name="dtype">The parameter dtype (fp32 by default; bf16 is meant for CUDA).</param>
    public CausalLM(DecoderConfig config, Device? device = null, ScalarType dtype = ScalarType.Float32) : base("CausalLM")
    {
        ArgumentNullException.ThrowIfNull(config);
        config.Validate();
        if (!is_floating_point(empty(0, dtype))) throw new ArgumentException($"The model dtype must be floating point, not {dtype}.", nameof(dtype));
        Config = config;
        Device = device ?? CPU;
        DType = dtype;
        _model = new DecoderBackbone(config, Device, dtype);
        if (!config.TieWordEmbeddings)
        {
            _lmHead = nn.Linear(config.HiddenSize, config.VocabSize, hasBias: false, Device, dtype);
        }

        RegisterComponents();
    }

    /// <summary>The architecture.</summary>
    public DecoderConfig Config { get; }

    /// <summary>The device the parameters live on.</summary>
    public Device Device { get; }

    /// <summary>The parameter dtype.</summary>
    public ScalarType DType { get; }

    /// <summary>The input embedding matrix [vocab, hidden] (<c>model.embed_tokens.weight</c>); also the LM head when tied.</summary>
    public Parameter EmbeddingWeight => _model.EmbedTokens.weight!;

    /// <summary>The LM head matrix [vocab, hidden]: <c>lm_head.weight</c>, or the embedding matrix when tied.</summary>
    public Parameter LmHeadWeight => _lmHead?.weight ?? EmbeddingWeight;

    /// <summary>Creates a model with random weights: N(0, 0.02) for matrices and embeddings, zero biases, unit norms.</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="seed">The seed; the same seed gives the same weights.</param>
    /// <param name="device">The device; <see langword="null"/> for the CPU.</param>
    /// <param name="dtype">The parameter dtype.</param>
    /// <returns>The model; the caller disposes it.</returns>
    public static CausalLM Create(DecoderConfig config, long seed, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        var model = new CausalLM(config, device, dtype);
        try
        {
            using var gen = new Generator((ulong)seed, CPU);
            using var noGrad = no_grad();
            foreach (var (name, p) in model.named_parameters())
            {
                if (name.EndsWith("norm.weight", StringComparison.Ordinal))
                {
                    p.fill_(1.0);
                }
                else if (name.EndsWith(".bias", StringComparison.Ordinal))
                {
                    p.zero_();
                }
                else
                {
                    using var cpu = empty(p.shape, ScalarType.Float32).normal_(0, 0.02, gen);
                    p.copy_(cpu);
                }
            }

            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>Loads a Hugging Face model folder: <c>config.json</c> plus <c>model.safetensors</c> or a sharded index.</summary>
    /// <param name="directory">The model folder.</param>
    /// <param name="device">The device; <see langword="null"/> for the CPU.</param>
    /// <param name="dtype">The parameter dtype; <see langword="null"/> for fp32. Stored F32/BF16/F16 tensors are converted.</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="FileNotFoundException">The folder lacks <c>config.json</c> or weights.</exception>
    /// <exception cref="CheckpointException">An unknown <c>model_type</c>, a missing or mis-shaped tensor, a truncated file; the message names the file and tensor. No model is returned.</exception>
    public static CausalLM FromPretrained(string directory, Device? device = null, ScalarType? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        var config = DecoderConfig.Load(directory);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        var model = new CausalLM(config, device, dtype ?? ScalarType.Float32);
        try
        {
            var targets = model.ValidateAgainst(checkpoint);
            using var noGrad = no_grad();
            foreach (var (name, param) in targets)
            {
                using var t = checkpoint.ReadTensor(name, param.dtype, param.device);
                param.copy_(t);
            }

            model.SourceDirectory = Path.GetFullPath(directory);
            return model;
        }
        catch
        {
            model.Dispose();
            throw;
        }
    }

    /// <summary>The Hugging Face folder the weights were loaded from (null for a model built in memory); a saved trained model refers to it as the base of its adapter.</summary>
    public string? SourceDirectory { get; set; }

    /// <summary>
    /// Replaces every parameter with the checkpoint's. The checkpoint is validated first (every tensor present,
    /// every shape right) and read into fresh tensors; parameters are assigned only when all of it succeeded,
    /// so a failure leaves the model unchanged.
    /// </summary>
    /// <param name="checkpoint">The weights.</param>
    /// <exception cref="CheckpointException">A tensor is missing or mis-shaped; the message names the tensor, the shapes and the file.</exception>
    public void LoadWeights(SafetensorsCheckpoint checkpoint)
    {
        ArgumentNullException.ThrowIfNull(checkpoint);
        var targets = ValidateAgainst(checkpoint);
        var fresh = new List<(Parameter Param, Tensor Value)>(targets.Count);
        try
        {
            foreach (var (name, param) in targets)
            {
                fresh.Add((param, checkpoint.ReadTensor(name, param.dtype, param.device)));
            }

            using var noGrad = no_grad();
            foreach (var (param, value) in fresh) param.copy_(value);
        }
        finally
        {
            foreach (var (_, value) in fresh) value.Dispose();
        }
    }

    /// <summary>
    /// Saves <c>config.json</c> and the weights (<c>model.safetensors</c>, or shards with an index when
    /// <paramref name="maxShardBytes"/> is exceeded) so that transformers' <c>from_pretrained</c> opens the folder.
    /// Each file is written atomically. Tied models do not store <c>lm_head.weight</c>, as transformers does.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <param name="dtype">Store floating-point tensors in this dtype; <see langword="null"/> keeps the model dtype.</param>
    /// <param name="maxShardBytes">Largest shard in bytes; <see langword="null"/> writes one file.</param>
    public void SavePretrained(string directory, ScalarType? dtype = null, long? maxShardBytes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var state = state_dict();
        SafetensorsCheckpoint.Save(directory, state, dtype, maxShardBytes);
        Config.Save(directory, DTypeName(dtype ?? DType));
    }

    /// <summary>The projection slots that adapters may wrap, with their current modules.</summary>
    /// <returns>Pairs of path (e.g. <c>model.layers.0.self_attn.q_proj</c>) and module, layer by layer, in the order q, k, v, o, gate, up, down.</returns>
    public IEnumerable<(string Path, nn.Module<Tensor, Tensor> Module)> NamedProjections()
    {
        for (int i = 0; i < _model.Layers.Count; i++)
        {
            var layer = _model.Layers[i];
            foreach (var name in SelfAttention.ProjectionNames)
            {
                yield return ($"model.layers.{i}.self_attn.{name}", layer.SelfAttn.GetProjection(name));
            }

            foreach (var name in SwiGluMlp.ProjectionNames)
            {
                yield return ($"model.layers.{i}.mlp.{name}", layer.Mlp.GetProjection(name));
            }
        }
    }

    /// <summary>The module in a projection slot.</summary>
    /// <param name="path">A path from <see cref="NamedProjections"/>.</param>
    /// <returns>The current module.</returns>
    /// <exception cref="ArgumentException">The path names no projection slot.</exception>
    public nn.Module<Tensor, Tensor> GetProjection(string path)
    {
        var (layer, group, name) = ParseProjectionPath(path);
        return group == "self_attn" ? layer.SelfAttn.GetProjection(name) : layer.Mlp.GetProjection(name);
    }

    /// <summary>
    /// Puts <paramref name="replacement"/> in a projection slot and re-registers it under the same name, so its
    /// parameters appear in the state dict as <c>{path}.{inner names}</c> (e.g.
    /// <c>model.layers.0.self_attn.q_proj.base_layer.weight</c>). The replacement must map [..., in] to [..., out]
    /// like the module it replaces, which it typically wraps.
    /// </summary>
    /// <param name="path">A path from <see cref="NamedProjections"/>.</param>
    /// <param name="replacement">The new module; the model owns it from now on.</param>
    /// <returns>The module that was in the slot (not disposed: a wrapper usually keeps it).</returns>
    /// <exception cref="ArgumentException">The path names no projection slot.</exception>
    public nn.Module<Tensor, Tensor> ReplaceProjection(string path, nn.Module<Tensor, Tensor> replacement)
    {
        ArgumentNullException.ThrowIfNull(replacement);
        var (layer, group, name) = ParseProjectionPath(path);
        return group == "self_attn" ? layer.SelfAttn.SetProjection(name, replacement) : layer.Mlp.SetProjection(name, replacement);
    }

    /// <summary>Allocates a KV cache for this model (same dtype and device).</summary>
    /// <param name="batchSize">Rows.</param>
    /// <param name="maxLength">Prompt plus generated tokens it must hold.</param>
    /// <returns>The cache; the caller disposes it.</returns>
    public KvCache CreateCache(int batchSize, int maxLength) => new(Config, batchSize, maxLength, DType, Device);

    /// <summary>Logits of every position (same as <see cref="Forward"/> with no mask).</summary>
    /// <param name="input">Token ids [B, T].</param>
    /// <returns>fp32 logits [B, T, vocab].</returns>
    public override Tensor forward(Tensor input) => Forward(input);

    /// <summary>Runs the model and returns fp32 logits.</summary>
    /// <param name="inputIds">Token ids [B, T], int64.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens (left padding); <see langword="null"/> when every token is real.</param>
    /// <param name="positionIds">[B, T] int64; <see langword="null"/> derives them from the mask (and the cache).</param>
    /// <param name="cache">A KV cache to read past tokens from and append these to; <see langword="null"/> for none.</param>
    /// <returns>Logits [B, T, vocab] in fp32 (a new tensor). Positions where the mask is 0 hold unspecified finite values.</returns>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null)
    {
        using var scope = NewDisposeScope();
        var hidden = ForwardHidden(inputIds, attentionMask, positionIds, cache);
        return ComputeLogits(hidden).MoveToOuterDisposeScope();
    }

    /// <summary>Runs the model and returns the last hidden states after the final norm (for value and reward heads).</summary>
    /// <param name="inputIds">Token ids [B, T], int64.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; <see langword="null"/> when every token is real.</param>
    /// <param name="positionIds">[B, T] int64; <see langword="null"/> derives them from the mask (and the cache).</param>
    /// <param name="cache">A KV cache, or <see langword="null"/>.</param>
    /// <returns>Hidden states [B, T, hidden] in the model dtype (a new tensor).</returns>
    /// <exception cref="ArgumentException">Shapes do not agree; the message names the argument.</exception>
    public Tensor ForwardHidden(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null, KvCache? cache = null) =>
        ForwardHiddenCore(inputIds, attentionMask, positionIds, cache, null);

    /// <summary>Concatenated q/k/v and gate/up weights (LoRA adapters included) for fast inference, or null when a slot cannot be fused (see <see cref="FusedProjections"/>).</summary>
    internal FusedProjections? CreateFusedProjections() => FusedProjections.TryCreate([.. _model.Layers]);

    internal Tensor ForwardHiddenCore(Tensor inputIds, Tensor? attentionMask, Tensor? positionIds, KvCache? cache, FusedProjections? fused)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (inputIds.ndim != 2) throw new ArgumentException($"inputIds must be [batch, seq], found {Shape(inputIds)}.", nameof(inputIds));
        long b = inputIds.shape[0], t = inputIds.shape[1];
        if (attentionMask is not null && !attentionMask.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException($"attentionMask must match inputIds {Shape(inputIds)}, found {Shape(attentionMask)}.", nameof(attentionMask));
        }

        if (positionIds is not null && !positionIds.shape.SequenceEqual(inputIds.shape))
        {
            throw new ArgumentException($"positionIds must match inputIds {Shape(inputIds)}, found {Shape(positionIds)}.", nameof(positionIds));
        }

        if (cache is not null && cache.BatchSize != b)
        {
            throw new ArgumentException($"The cache holds {cache.BatchSize} rows but inputIds has {b}.", nameof(cache));
        }

        using var scope = NewDisposeScope();
        int past = cache?.Length ?? 0;
        var device = inputIds.device;
        Tensor? mask = attentionMask is null ? null : attentionMask.dtype == ScalarType.Bool ? attentionMask : attentionMask.to(ScalarType.Bool);
        Tensor? keyMask = cache is null ? mask : cache.WriteMask(mask, t);
        var positions = positionIds ?? DefaultPositions(mask, cache, past, b, t, device);
        var (cos, sinSigned) = Rotary(positions, device);
        var attnMask = BuildMask(keyMask, past, b, t, device, newTokensAllReal: mask is null);
        var ctx = new AttentionContext(cos, sinSigned, attnMask, cache, past, fused);

        var h = _model.EmbedTokens.forward(inputIds);
        for (int i = 0; i < _model.Layers.Count; i++)
        {
            var next = _model.Layers[i].Forward(h, ctx);
            h.Dispose();
            h = next;
        }

        var output = _model.Norm.forward(h);
        cache?.Advance(t);
        return output.MoveToOuterDisposeScope();
    }

    /// <summary>Projects hidden states to fp32 logits with the LM head.</summary>
    /// <param name="hidden">[..., hidden] in the model dtype.</param>
    /// <returns>fp32 logits [..., vocab] (a new tensor).</returns>
    public Tensor ComputeLogits(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var logits = _lmHead is null ? nn.functional.linear(hidden, EmbeddingWeight) : _lmHead.forward(hidden);
        if (logits.dtype != ScalarType.Float32) logits = logits.to(ScalarType.Float32);
        return logits.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-probabilities of given tokens: <c>logits[target] − logsumexp(logits)</c> in fp32, without materialising a
    /// full log-softmax (differentiable, for PPO).
    /// </summary>
    /// <param name="logits">[B, T, vocab] logits (converted to fp32 if they are not).</param>
    /// <param name="targetIds">[B, T] int64 token ids.</param>
    /// <returns>[B, T] fp32 log-probs (a new tensor).</returns>
    public static Tensor TokenLogProbs(Tensor logits, Tensor targetIds)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(targetIds);
        if (!logits.shape.Take(logits.shape.Length - 1).SequenceEqual(targetIds.shape))
        {
            throw new ArgumentException($"targetIds {Shape(targetIds)} must match the leading dimensions of logits {Shape(logits)}.", nameof(targetIds));
        }

        using var scope = NewDisposeScope();
        var l = logits.dtype == ScalarType.Float32 ? logits : logits.to(ScalarType.Float32);
        var picked = l.gather(-1, targetIds.unsqueeze(-1)).squeeze(-1);
        return (picked - l.logsumexp(-1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Log-probabilities of given tokens from hidden states (<see cref="ForwardHidden"/>): one fp32 logits tensor is
    /// built and released; see <see cref="TokenLogProbs(Tensor, Tensor)"/>.
    /// </summary>
    /// <param name="hidden">[B, T, hidden].</param>
    /// <param name="targetIds">[B, T] int64 token ids.</param>
    /// <returns>[B, T] fp32 log-probs.</returns>
    public Tensor TokenLogProbsFromHidden(Tensor hidden, Tensor targetIds)
    {
        using var scope = NewDisposeScope();
        var logits = ComputeLogits(hidden);
        return TokenLogProbs(logits, targetIds).MoveToOuterDisposeScope();
    }

    /// <summary>The <c>dtype</c> spelling of config.json for a scalar type.</summary>
    /// <param name="dtype">A floating-point scalar type.</param>
    /// <returns>e.g. <c>bfloat16</c>.</returns>
    public static string DTypeName(ScalarType dtype) => dtype switch
    {
        ScalarType.Float32 => "float32",
        ScalarType.BFloat16 => "bfloat16",
        ScalarType.Float16 => "float16",
        ScalarType.Float64 => "float64",
        _ => dtype.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc />
    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _invFreq?.Dispose();
            _invFreq = null;
        }

        base.Dispose(disposing);
    }

    private List<(string Name, Parameter Param)> ValidateAgainst(SafetensorsCheckpoint checkpoint)
    {
        var targets = new List<(string, Parameter)>();
        foreach (var (name, param) in named_parameters())
        {
            if (!checkpoint.Contains(name))
            {
                throw new CheckpointException(
                    $"Tensor '{name}' (expected shape {Shape(param)}) is missing from '{checkpoint.Source}'.", checkpoint.Source, name);
            }

            var info = checkpoint.GetInfo(name);
            if (!info.Shape.SequenceEqual(param.shape))
            {
                throw new CheckpointException(
                    $"Tensor '{name}' in '{info.FilePath}' has shape {info.ShapeText}, but the config '{DecoderConfig.FileName}' expects {Shape(param)}.",
                    info.FilePath, name);
            }

            if (!is_floating_point(empty(0, info.ScalarType)))
            {
                throw new CheckpointException($"Tensor '{name}' in '{info.FilePath}' is {info.DType}; a floating-point dtype (F32, BF16, F16) was expected.", info.FilePath, name);
            }

            targets.Add((name, param));
        }

        return targets;
    }

    private (DecoderLayer Layer, string Group, string Name) ParseProjectionPath(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var parts = path.Split('.');
        if (parts.Length == 5 && parts[0] == "model" && parts[1] == "layers"
            && int.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out int i)
            && i < _model.Layers.Count
            && ((parts[3] == "self_attn" && SelfAttention.ProjectionNames.Contains(parts[4]))
                || (parts[3] == "mlp" && SwiGluMlp.ProjectionNames.Contains(parts[4]))))
        {
            return (_model.Layers[i], parts[3], parts[4]);
        }

        throw new ArgumentException(
            $"'{path}' is not a projection path; expected model.layers.{{0..{_model.Layers.Count - 1}}}.self_attn.{{q,k,v,o}}_proj or .mlp.{{gate,up,down}}_proj.", nameof(path));
    }

    private static Tensor DefaultPositions(Tensor? mask, KvCache? cache, int past, long b, long t, Device device)
    {
        Tensor current = mask is null
            ? arange(t, ScalarType.Int64, device).unsqueeze(0).expand(b, t)
            : mask.to(ScalarType.Int64).cumsum(-1).sub_(1);
        if (cache is not null && past > 0)
        {
            var prior = cache.AttendedMask().narrow(1, 0, past).sum(1, keepdim: true, type: ScalarType.Int64);
            current = current + prior;
        }

        return current.clamp_min(0);
    }

    private (Tensor Cos, Tensor SinSigned) Rotary(Tensor positions, Device device)
    {
        if (_invFreq is null || _invFreq.device != device)
        {
            _invFreq?.Dispose();
            using var scope = NewDisposeScope();
            var exponents = arange(0, Config.HeadDim, 2, ScalarType.Int64, device).to(ScalarType.Float32) / Config.HeadDim;
            _invFreq = scope.Detach(pow(tensor((float)Config.RopeTheta, ScalarType.Float32, device), exponents).reciprocal());
        }

        var freqs = positions.to(ScalarType.Float32).unsqueeze(-1) * _invFreq;
        var cos = cat([freqs, freqs], -1).cos_();
        var sin = freqs.sin();
        var sinSigned = cat([sin.neg(), sin], -1);
        if (DType != ScalarType.Float32)
        {
            cos = cos.to(DType);
            sinSigned = sinSigned.to(DType);
        }

        return (cos.unsqueeze(2), sinSigned.unsqueeze(2));
    }

    private Tensor BuildMask(Tensor? keyMask, int past, long b, long t, Device device, bool newTokensAllReal)
    {
        long s = past + t;
        if (t == 1 && keyMask is not null && past > 0)
        {
            // Decoding one token: every cached column is causally visible, and the new column is the token itself.
            if (newTokensAllReal) return keyMask.view(b, 1, 1, s);
            var visible = keyMask.view(b, 1, 1, s).clone();
            visible.narrow(3, past, 1).fill_(true);
            return visible;
        }

        var queryPos = arange(past, s, ScalarType.Int64, device).unsqueeze(1);
        var keyPos = arange(0, s, ScalarType.Int64, device).unsqueeze(0);
        var allowed = keyPos.le(queryPos);
        if (keyMask is not null)
        {
            // A query always sees itself, so rows of pure padding never become fully masked (no NaN).
            allowed = allowed.logical_and(keyMask.view(b, 1, 1, s).logical_or(keyPos.eq(queryPos)));
        }
        else
        {
            allowed = allowed.view(1, 1, t, s);
        }

        long groups = Config.QueriesPerKeyValueHead;
        if (t > 1 && groups > 1) allowed = allowed.repeat(1, 1, groups, 1);
        return allowed;
    }

    private static string Shape(Tensor t) => SafetensorsTensorInfo.FormatShape(t.shape);
}
