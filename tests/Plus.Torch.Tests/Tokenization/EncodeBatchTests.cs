using FsCheck;
using FsCheck.Fluent;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Tokenization;

public class EncodeBatchTests
{
    private static HfTokenizer Qwen => QwenFixture.Full;

    [Fact]
    public void Left_padding_puts_pads_first_with_mask_and_position_ids()
    {
        TokenizedBatch b = Qwen.EncodeBatch(["Hello world", "The user prefers cats over dogs."], padLeft: true);
        Assert.Equal(2, b.BatchSize);
        Assert.Equal(7, b.SequenceLength);
        Assert.Equal(new[] { 2, 7 }, b.Lengths);
        Assert.True(b.PaddedLeft);
        Assert.Equal(new long[] { 151643, 151643, 151643, 151643, 151643, 9707, 1879 }, Row(b.InputIds, 0));
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 1, 1 }, Row(b.AttentionMask, 0));
        Assert.Equal(new long[] { 0, 0, 0, 0, 0, 0, 1 }, Row(b.PositionIds, 0));
        Assert.Equal(new long[] { 785, 1196, 53964, 19423, 916, 12590, 13 }, Row(b.InputIds, 1));
        Assert.Equal(new long[] { 0, 1, 2, 3, 4, 5, 6 }, Row(b.PositionIds, 1));
    }

    [Fact]
    public void Right_padding_puts_pads_last_and_honours_an_explicit_pad_id()
    {
        TokenizedBatch b = Qwen.EncodeBatch(["Hello world", "The user prefers cats over dogs."], padLeft: false, padId: 0);
        Assert.Equal(new long[] { 9707, 1879, 0, 0, 0, 0, 0 }, Row(b.InputIds, 0));
        Assert.Equal(new long[] { 1, 1, 0, 0, 0, 0, 0 }, Row(b.AttentionMask, 0));
        Assert.Equal(new long[] { 0, 1, 1, 1, 1, 1, 1 }, Row(b.PositionIds, 0));
    }

    [Theory]
    [InlineData(TruncationSide.Left, new long[] { 916, 12590, 13 })]
    [InlineData(TruncationSide.Right, new long[] { 785, 1196, 53964 })]
    public void Truncation_keeps_the_chosen_end(TruncationSide side, long[] expected)
    {
        TokenizedBatch b = Qwen.EncodeBatch(["The user prefers cats over dogs.", "Hello world"], padLeft: true, maxLength: 3, truncation: side);
        Assert.Equal(3, b.SequenceLength);
        Assert.Equal(expected, Row(b.InputIds, 0));
        Assert.Equal(new[] { 3, 2 }, b.Lengths);
    }

    [Fact]
    public void Bad_arguments_fail_clearly()
    {
        Assert.Throws<ArgumentException>(() => Qwen.EncodeBatch([], padLeft: true));
        Assert.Throws<ArgumentOutOfRangeException>(() => Qwen.EncodeBatch(["x"], padLeft: true, maxLength: 0));
        string dir = MiniTokenizerJson.WriteToTemp(MiniTokenizerJson.Create());
        try
        {
            var ex = Assert.Throws<InvalidOperationException>(() => HfTokenizer.Load(dir).EncodeBatch(["hello"], padLeft: true));
            Assert.Contains("padId", ex.Message);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }

    [Fact]
    public void Every_row_holds_its_own_encoding_and_nothing_else()
    {
        Gen<string> word = Gen.Elements("cat", " dog", "Hello", " world", "!", "\n", "中文", " 🐶", "<|im_end|>", "42", "  ");
        Gen<string> text = Gen.ArrayOf(word).Select(parts => string.Concat(parts));
        Gen<(string[] Texts, bool Left)> batch = Gen.NonEmptyListOf(text).Select(l => l.ToArray()).Zip(Gen.Elements(true, false));
        Prop.ForAll(batch.ToArbitrary(), x =>
        {
            TokenizedBatch b = Qwen.EncodeBatch(x.Texts, x.Left, padId: -1);
            for (int i = 0; i < x.Texts.Length; i++)
            {
                long[] ids = Row(b.InputIds, i);
                long[] mask = Row(b.AttentionMask, i);
                long[] real = ids.Where((_, j) => mask[j] == 1).ToArray();
                long[] expected = Qwen.Encode(x.Texts[i]).Select(v => (long)v).ToArray();
                int padCount = b.SequenceLength - expected.Length;
                bool padsOnTheRightSide = x.Left ? mask.Take(padCount).All(m => m == 0) : mask.Skip(expected.Length).All(m => m == 0);
                if (!real.SequenceEqual(expected) || !padsOnTheRightSide || ids.Count(v => v == -1) != padCount || b.Lengths[i] != expected.Length)
                {
                    return false;
                }
            }

            return true;
        }).QuickCheckThrowOnFailure();
    }

    [Fact]
    public void Tensors_have_the_batch_shape_and_values()
    {
        TokenizedBatch b = Qwen.EncodeBatch(["Hello world", "Hi"], padLeft: true);
        using var scope = NewDisposeScope();
        var (ids, mask, positions) = b.ToTensors();
        Assert.Equal(new long[] { 2, 2 }, ids.shape);
        Assert.Equal(ScalarType.Int64, ids.dtype);
        Assert.Equal(new long[] { 9707, 1879, 151643, 13048 }, ids.data<long>().ToArray());
        Assert.Equal(new long[] { 1, 1, 0, 1 }, mask.data<long>().ToArray());
        Assert.Equal(new long[] { 0, 1, 0, 0 }, positions.data<long>().ToArray());
    }

    private static long[] Row(long[,] a, int i) => Enumerable.Range(0, a.GetLength(1)).Select(j => a[i, j]).ToArray();
}
