namespace Plus.Torch.Tokenization;

/// <summary>
/// A padded batch of token ids as host arrays, <c>[batch, sequence]</c>: ids, attention mask (1 on real tokens,
/// 0 on padding) and position ids <c>clamp(cumsum(mask) - 1, min 0)</c>, the ids a left-padded batch must be run
/// with. Built by <see cref="HfTokenizer.EncodeBatch"/>; <see cref="TokenizedBatchExtensions.ToTensors"/> makes tensors.
/// </summary>
public sealed class TokenizedBatch
{
    private TokenizedBatch(long[,] inputIds, long[,] attentionMask, long[,] positionIds, int[] lengths, bool paddedLeft)
    {
        InputIds = inputIds;
        AttentionMask = attentionMask;
        PositionIds = positionIds;
        Lengths = lengths;
        PaddedLeft = paddedLeft;
    }

    /// <summary>The token ids, <c>[batch, sequence]</c>, padding included.</summary>
    public long[,] InputIds { get; }

    /// <summary>1 on real tokens, 0 on padding, <c>[batch, sequence]</c>.</summary>
    public long[,] AttentionMask { get; }

    /// <summary><c>clamp(cumsum(mask, dim 1) - 1, min 0)</c>, <c>[batch, sequence]</c>.</summary>
    public long[,] PositionIds { get; }

    /// <summary>The number of real tokens in each row.</summary>
    public int[] Lengths { get; }

    /// <summary>Whether the padding is on the left.</summary>
    public bool PaddedLeft { get; }

    /// <summary>The number of rows.</summary>
    public int BatchSize => InputIds.GetLength(0);

    /// <summary>The padded length (the longest row).</summary>
    public int SequenceLength => InputIds.GetLength(1);

    /// <summary>Pads rows of ids into a batch.</summary>
    /// <param name="rows">The rows (at least one).</param>
    /// <param name="padLeft">Pad on the left rather than the right.</param>
    /// <param name="padId">The id written into padding positions.</param>
    /// <returns>The batch.</returns>
    public static TokenizedBatch FromRows(IReadOnlyList<IReadOnlyList<int>> rows, bool padLeft, int padId)
    {
        ArgumentNullException.ThrowIfNull(rows);
        if (rows.Count == 0)
        {
            throw new ArgumentException("At least one row is needed to build a batch.", nameof(rows));
        }

        int width = 0;
        for (int i = 0; i < rows.Count; i++)
        {
            width = Math.Max(width, (rows[i] ?? throw new ArgumentException($"rows[{i}] is null.", nameof(rows))).Count);
        }

        var ids = new long[rows.Count, width];
        var mask = new long[rows.Count, width];
        var positions = new long[rows.Count, width];
        var lengths = new int[rows.Count];
        for (int i = 0; i < rows.Count; i++)
        {
            IReadOnlyList<int> row = rows[i];
            int offset = padLeft ? width - row.Count : 0;
            for (int j = 0; j < width; j++)
            {
                ids[i, j] = padId;
            }

            for (int j = 0; j < row.Count; j++)
            {
                ids[i, offset + j] = row[j];
                mask[i, offset + j] = 1;
            }

            long cumulative = 0;
            for (int j = 0; j < width; j++)
            {
                cumulative += mask[i, j];
                positions[i, j] = Math.Max(cumulative - 1, 0);
            }

            lengths[i] = row.Count;
        }

        return new TokenizedBatch(ids, mask, positions, lengths, padLeft);
    }
}
