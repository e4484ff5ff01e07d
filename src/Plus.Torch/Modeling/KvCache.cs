using Plus.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Plus.Torch.Modeling;

/// <summary>
/// A key/value cache for <see cref="CausalLM"/>, allocated once as two tensors
/// [layers, batch, kvHeads, maxLength, headDim] plus a key mask [batch, maxLength], and written in place:
/// a forward over T new tokens writes columns <c>[Length, Length + T)</c> of every layer and advances <see cref="Length"/>.
/// Nothing is concatenated per step.
/// </summary>
/// <remarks>
/// All rows share the column index (left-padded batches); padding is excluded through the key mask.
/// The cache owns its tensors: dispose it when the generation ends. Not thread-safe.
/// </remarks>
public sealed class KvCache : IDisposable
{
    private readonly Tensor _keys;
    private readonly Tensor _values;
    private readonly Tensor[] _keyLayers;
    private readonly Tensor[] _valueLayers;
    private readonly Tensor _keyMask;
    private bool _disposed;

    /// <summary>Allocates a cache.</summary>
    /// <param name="config">The model config (layers, KV heads, head size).</param>
    /// <param name="batchSize">Rows in the batch.</param>
    /// <param name="maxLength">Most tokens (prompt + generated) the cache holds.</param>
    /// <param name="dtype">The dtype of keys and values (the model dtype).</param>
    /// <param name="device">The device; <see langword="null"/> for the CPU.</param>
    public KvCache(DecoderConfig config, int batchSize, int maxLength, ScalarType dtype, Device? device = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchSize);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxLength);
        Layers = config.NumHiddenLayers;
        BatchSize = batchSize;
        MaxLength = maxLength;
        DType = dtype;
        // Created in a scope of our own and detached, so the cache owns its tensors whatever scope the caller has open.
        using var scope = NewDisposeScope();
        _keys = zeros([Layers, batchSize, config.NumKeyValueHeads, maxLength, config.HeadDim], dtype, device);
        _values = zeros([Layers, batchSize, config.NumKeyValueHeads, maxLength, config.HeadDim], dtype, device);
        _keyMask = ones([batchSize, maxLength], ScalarType.Bool, device);
        _keyLayers = new Tensor[Layers];
        _valueLayers = new Tensor[Layers];
        for (int i = 0; i < Layers; i++)
        {
            _keyLayers[i] = _keys[i];
            _valueLayers[i] = _values[i];
        }

        scope.Detach(_keys, _values, _keyMask);
        scope.Detach(_keyLayers);
        scope.Detach(_valueLayers);
    }

    /// <summary>Decoder layers covered.</summary>
    public int Layers { get; }

    /// <summary>Rows in the batch.</summary>
    public int BatchSize { get; }

    /// <summary>Capacity in tokens.</summary>
    public int MaxLength { get; }

    /// <summary>Tokens written so far (the same for every row).</summary>
    public int Length { get; private set; }

    /// <summary>The dtype of keys and values.</summary>
    public ScalarType DType { get; }

    /// <summary>The size of the key and value tensors in bytes.</summary>
    public long Bytes => 2 * _keys.numel() * _keys.ElementSize;

    /// <summary>Forgets every cached token (no memory is freed or cleared; columns are overwritten on reuse).</summary>
    public void Reset() => Length = 0;

    /// <summary>
    /// Which cached columns are real tokens ([batch, Length] bool view, true = attend). Valid until the next forward;
    /// do not dispose.
    /// </summary>
    /// <returns>A view of the key mask; the caller may dispose the view.</returns>
    public Tensor AttendedMask() => _keyMask.narrow(1, 0, Length);

    /// <summary>Writes the mask of T new tokens and returns the mask over all S = Length + T columns.</summary>
    internal Tensor WriteMask(Tensor? newMask, long t)
    {
        EnsureRoom(t);
        var slot = _keyMask.narrow(1, Length, t);
        if (newMask is null) slot.fill_(true);
        else slot.copy_(newMask);
        return _keyMask.narrow(1, 0, Length + t);
    }

    /// <summary>Writes keys and values [B, kvHeads, T, D] of one layer at column <paramref name="past"/>; returns views over [0, past + T).</summary>
    internal (Tensor Keys, Tensor Values) Write(int layer, int past, Tensor keys, Tensor values)
    {
        long t = keys.shape[2];
        var kl = _keyLayers[layer];
        var vl = _valueLayers[layer];
        using (var ks = kl.narrow(2, past, t)) ks.copy_(keys);
        using (var vs = vl.narrow(2, past, t)) vs.copy_(values);
        return (kl.narrow(2, 0, past + t), vl.narrow(2, 0, past + t));
    }

    internal void Advance(long t) => Length += (int)t;

    internal void EnsureRoom(long t)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        if (Length + t > MaxLength)
        {
            throw new InvalidOperationException(
                $"The KV cache holds {Length} of {MaxLength} tokens and cannot take {t} more; allocate it with a larger maxLength.");
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_disposed) return;
        _disposed = true;
        foreach (var t in _keyLayers) t.Dispose();
        foreach (var t in _valueLayers) t.Dispose();
        _keys.Dispose();
        _values.Dispose();
        _keyMask.Dispose();
    }
}
