using System.Globalization;
using Plus.Baselines.Common;
using Plus.Torch.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Baselines.Vpl;

/// <summary>
/// VPL's trainable networks over frozen embeddings of size d: the pair encoder, the single-head self-attention pooling
/// with the μ and log σ² heads, and the latent-conditioned reward MLP (fp32).
/// </summary>
/// <remarks>
/// <para>Module names (the safetensors keys of <see cref="Save"/>): <c>pair_encoder.{0,2}</c> =
/// Linear(2d → H), LeakyReLU(0.2), Linear(H → L); <c>w_q</c>, <c>w_k</c>, <c>w_v</c> = Linear(L → L); <c>mean</c>,
/// <c>log_var</c> = Linear(L → L); <c>reward.{0,2,4}</c> = Linear(d + L → H), LeakyReLU(0.2), Linear(H → H),
/// LeakyReLU(0.2), Linear(H → 1). Every weight and bias starts from U(−1/√fan_in, 1/√fan_in) drawn from the seed
/// (PyTorch's default Linear initialisation, reproducible).</para>
/// <para>Not thread-safe. Disposing disposes the layers.</para>
/// </remarks>
public sealed class VplNetwork : nn.Module
{
    [ComponentName(Name = "pair_encoder")]
    private readonly Sequential _pairEncoder;

    [ComponentName(Name = "w_q")]
    private readonly Linear _wq;

    [ComponentName(Name = "w_k")]
    private readonly Linear _wk;

    [ComponentName(Name = "w_v")]
    private readonly Linear _wv;

    [ComponentName(Name = "mean")]
    private readonly Linear _mean;

    [ComponentName(Name = "log_var")]
    private readonly Linear _logVar;

    [ComponentName(Name = "reward")]
    private readonly Sequential _reward;

    /// <summary>Creates the networks with seeded initial weights.</summary>
    /// <param name="embeddingSize">d, the frozen embeddings' size, ≥ 1.</param>
    /// <param name="latentSize">L, the latent's size, ≥ 1.</param>
    /// <param name="hiddenSize">H, the MLPs' hidden width, ≥ 1.</param>
    /// <param name="seed">Seeds the initial weights.</param>
    /// <param name="device">The device; null for the CPU.</param>
    /// <param name="clampMean">Clamp μ to [−1, 1] as well as log σ² (default true, the anchor's); see <see cref="VplOptions.ClampMean"/>.</param>
    public VplNetwork(int embeddingSize, int latentSize = 512, int hiddenSize = 512, long seed = 0, Device? device = null, bool clampMean = true) : base("VplNetwork")
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(embeddingSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(latentSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(hiddenSize, 1);
        EmbeddingSize = embeddingSize;
        LatentSize = latentSize;
        HiddenSize = hiddenSize;
        ClampMean = clampMean;
        _pairEncoder = nn.Sequential(
            ("0", nn.Linear(2 * embeddingSize, hiddenSize)),
            ("1", nn.LeakyReLU(0.2)),
            ("2", nn.Linear(hiddenSize, latentSize)));
        _wq = nn.Linear(latentSize, latentSize);
        _wk = nn.Linear(latentSize, latentSize);
        _wv = nn.Linear(latentSize, latentSize);
        _mean = nn.Linear(latentSize, latentSize);
        _logVar = nn.Linear(latentSize, latentSize);
        _reward = nn.Sequential(
            ("0", nn.Linear(embeddingSize + latentSize, hiddenSize)),
            ("1", nn.LeakyReLU(0.2)),
            ("2", nn.Linear(hiddenSize, hiddenSize)),
            ("3", nn.LeakyReLU(0.2)),
            ("4", nn.Linear(hiddenSize, 1)));
        RegisterComponents();
        Initialize(seed);
        if (device is not null) this.to(device);
    }

    /// <summary>d, the frozen embeddings' size.</summary>
    public int EmbeddingSize { get; }

    /// <summary>L, the latent's size.</summary>
    public int LatentSize { get; }

    /// <summary>H, the MLPs' hidden width.</summary>
    public int HiddenSize { get; }

    /// <summary>Whether μ is clamped to [−1, 1] (log σ² always is).</summary>
    public bool ClampMean { get; }

    /// <summary>The device of the parameters.</summary>
    public Device Device => _wq.weight!.device;

    /// <summary>The pair encoder: <c>[e_c; e_r]</c> → Linear(2d → H) → LeakyReLU(0.2) → Linear(H → L).</summary>
    /// <param name="chosen">[..., d] embeddings of the context pairs' chosen responses.</param>
    /// <param name="rejected">[..., d] embeddings of their rejected responses.</param>
    /// <returns>[..., L].</returns>
    public Tensor EncodePairs(Tensor chosen, Tensor rejected)
    {
        ArgumentNullException.ThrowIfNull(chosen);
        ArgumentNullException.ThrowIfNull(rejected);
        CheckLast(chosen, EmbeddingSize, nameof(chosen));
        CheckLast(rejected, EmbeddingSize, nameof(rejected));
        using var scope = NewDisposeScope();
        return _pairEncoder.call(cat([chosen, rejected], -1)).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Single-head self-attention over each user's pairs, then the mean over the real ones:
    /// <c>softmax(q kᵀ / √L) v</c> with padded pairs masked out as keys and left out of the mean.
    /// </summary>
    /// <param name="pairs">[B, P, L] encoded pairs (padded rows are ignored).</param>
    /// <param name="mask">[B, P] bool, true on real pairs; every row needs at least one.</param>
    /// <returns>[B, L].</returns>
    /// <exception cref="ArgumentException">The shapes do not agree or a row has no real pair.</exception>
    public Tensor AttentionPool(Tensor pairs, Tensor mask)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(mask);
        if (pairs.ndim != 3 || pairs.shape[2] != LatentSize) throw new ArgumentException($"pairs must be [batch, pairs, {LatentSize}], found {SafetensorsTensorInfo.FormatShape(pairs.shape)}.", nameof(pairs));
        if (mask.ndim != 2 || mask.shape[0] != pairs.shape[0] || mask.shape[1] != pairs.shape[1])
        {
            throw new ArgumentException($"mask must be [{pairs.shape[0]}, {pairs.shape[1]}], found {SafetensorsTensorInfo.FormatShape(mask.shape)}.", nameof(mask));
        }

        using var scope = NewDisposeScope();
        var real = mask.dtype == ScalarType.Bool ? mask : mask.ne(0);
        var counts = real.sum(1, keepdim: true, type: ScalarType.Float32);
        if (counts.min().item<float>() < 1) throw new ArgumentException("Every user needs at least one context pair; a row of mask is all false.", nameof(mask));
        var q = _wq.call(pairs);
        var k = _wk.call(pairs);
        var v = _wv.call(pairs);
        var scores = q.matmul(k.transpose(1, 2)) / Math.Sqrt(LatentSize);
        scores = scores.masked_fill(real.logical_not().unsqueeze(1), double.NegativeInfinity);
        var attended = scores.softmax(-1).matmul(v);
        var pooled = (attended * real.unsqueeze(-1).to(ScalarType.Float32)).sum(1) / counts;
        return pooled.MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The user posterior from the context pairs: pair encoder → attention pooling → μ and log σ², log σ² clamped to
    /// [−1, 1] and μ too when <see cref="ClampMean"/>.
    /// </summary>
    /// <param name="chosen">[B, P, d] embeddings of the context pairs' chosen responses.</param>
    /// <param name="rejected">[B, P, d] embeddings of their rejected responses.</param>
    /// <param name="mask">[B, P] bool, true on real pairs.</param>
    /// <returns>μ [B, L] and log σ² [B, L].</returns>
    public (Tensor Mean, Tensor LogVariance) EncodeUser(Tensor chosen, Tensor rejected, Tensor mask)
    {
        using var scope = NewDisposeScope();
        var pooled = AttentionPool(EncodePairs(chosen, rejected), mask);
        var mean = ClampMean ? _mean.call(pooled).clamp(-1, 1) : _mean.call(pooled);
        var logVar = _logVar.call(pooled).clamp(-1, 1);
        return (mean.MoveToOuterDisposeScope(), logVar.MoveToOuterDisposeScope());
    }

    /// <summary>The reward MLP on <c>[e; z]</c>.</summary>
    /// <param name="embedding">[B, d] frozen embeddings of prompt + response.</param>
    /// <param name="latent">[B, L] the users' latents.</param>
    /// <returns>[B] rewards.</returns>
    public Tensor Reward(Tensor embedding, Tensor latent)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        ArgumentNullException.ThrowIfNull(latent);
        CheckLast(embedding, EmbeddingSize, nameof(embedding));
        CheckLast(latent, LatentSize, nameof(latent));
        using var scope = NewDisposeScope();
        return _reward.call(cat([embedding, latent], -1)).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>Every parameter by module name, in a stable order.</summary>
    /// <returns>Names and parameters.</returns>
    public IReadOnlyList<(string Name, Parameter Parameter)> NamedParameters() =>
        [.. named_parameters().Select(p => (p.name, p.parameter))];

    /// <summary>Writes every parameter to a safetensors file, with d, L, H and the μ clamp in its metadata.</summary>
    /// <param name="path">The file; replaced atomically if it exists.</param>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal)
        {
            ["method"] = "VPL",
            ["embedding_size"] = EmbeddingSize.ToString(CultureInfo.InvariantCulture),
            ["latent_size"] = LatentSize.ToString(CultureInfo.InvariantCulture),
            ["hidden_size"] = HiddenSize.ToString(CultureInfo.InvariantCulture),
            ["clamp_mean"] = ClampMean ? "true" : "false",
        };
        ParameterFile.Write(path, NamedParameters(), metadata);
    }

    /// <summary>Reads the parameters written by <see cref="Save"/>; every one is checked before any is assigned.</summary>
    /// <param name="path">The file.</param>
    /// <exception cref="FileNotFoundException">The file does not exist.</exception>
    /// <exception cref="InvalidDataException">A parameter is missing, extra or mis-shaped; the message names the file and the parameter.</exception>
    public void Load(string path)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ParameterFile.Read(path, NamedParameters());
    }

    /// <summary>Creates a network of the sizes recorded in a file written by <see cref="Save"/> and loads its weights.</summary>
    /// <param name="path">The file.</param>
    /// <param name="device">The device; null for the CPU.</param>
    /// <returns>The network; the caller disposes it.</returns>
    /// <exception cref="InvalidDataException">The metadata lacks a size or the weights do not fit; the message names the file.</exception>
    public static VplNetwork FromFile(string path, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        if (!File.Exists(path)) throw new FileNotFoundException($"VPL weights file '{path}' does not exist.", path);
        int d, l, h;
        bool clampMean;
        using (var file = SafetensorsFile.Open(path))
        {
            d = Size(file, "embedding_size");
            l = Size(file, "latent_size");
            h = Size(file, "hidden_size");
            clampMean = !file.Metadata.TryGetValue("clamp_mean", out var clamp) || clamp != "false";
        }

        var network = new VplNetwork(d, l, h, 0, device, clampMean);
        try
        {
            network.Load(path);
            return network;
        }
        catch
        {
            network.Dispose();
            throw;
        }
    }

    private static int Size(SafetensorsFile file, string key)
    {
        if (!file.Metadata.TryGetValue(key, out var text) || !int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out int value) || value < 1)
        {
            throw new InvalidDataException($"VPL weights file '{file.FilePath}' has no valid '{key}' in its metadata.");
        }

        return value;
    }

    private static void CheckLast(Tensor t, int size, string name)
    {
        if (t.ndim < 1 || t.shape[^1] != size) throw new ArgumentException($"{name} must end in a dimension of {size}, found {SafetensorsTensorInfo.FormatShape(t.shape)}.", name);
    }

    private void Initialize(long seed)
    {
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        using var noGrad = no_grad();
        foreach (var linear in modules().OfType<Linear>())
        {
            // Weight [out, in] and bias [out]: both U(−1/√in, 1/√in).
            double bound = 1 / Math.Sqrt(linear.weight!.shape[1]);
            foreach (var p in new[] { linear.weight, linear.bias })
            {
                if (p is null) continue;
                using var init = empty(p.shape, ScalarType.Float32).uniform_(-bound, bound, generator);
                p.copy_(init);
            }
        }
    }
}
