using System.Buffers.Binary;
using System.Text;
using Plus.Torch.Checkpoints;
using Plus.Torch.Tests.Checkpoints;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>Named hostile safetensors files (docs/reliability.md): each is refused on open, naming the file.</summary>
public sealed class HostileSafetensorsTests : IDisposable
{
    private readonly TempDir _dir = new();

    public void Dispose() => _dir.Dispose();

    private string Write(string header, int dataBytes, string name = "x.safetensors")
    {
        string path = _dir.File(name);
        File.WriteAllBytes(path, SafetensorsFuzzTests.Assemble(Encoding.UTF8.GetBytes(header), new byte[dataBytes]));
        return path;
    }

    private static CheckpointException Refused(string path, params string[] fragments)
    {
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path).Dispose());
        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        foreach (string f in fragments) Assert.True(ex.Message.Contains(f, StringComparison.Ordinal), $"'{f}' not in: {ex.Message}");
        return ex;
    }

    private static long AllocatedWhile(Action action)
    {
        long before = GC.GetAllocatedBytesForCurrentThread();
        action();
        return GC.GetAllocatedBytesForCurrentThread() - before;
    }

    [Theory]
    [InlineData(1UL << 60)]
    [InlineData(ulong.MaxValue)]
    [InlineData(99UL * 1024 * 1024)]
    [InlineData(1000UL)]
    public void A_header_length_beyond_the_limit_or_the_file_fails_fast_without_allocating_it(ulong claimed)
    {
        string path = _dir.File("huge.safetensors");
        var bytes = new byte[8 + 64];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, claimed);
        "{}"u8.CopyTo(bytes.AsSpan(8));
        File.WriteAllBytes(path, bytes);
        _ = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path)); // warm up (JIT, type loading)

        CheckpointException? error = null;
        long allocated = AllocatedWhile(() => error = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path)));

        Assert.Contains(path, error!.Message, StringComparison.Ordinal);
        Assert.Contains(claimed.ToString(System.Globalization.CultureInfo.InvariantCulture), error.Message, StringComparison.Ordinal);
        Assert.True(allocated < 64 * 1024, $"opening allocated {allocated} bytes for a header that claims {claimed}");
    }

    [Fact]
    public void Overlapping_offsets_are_refused() =>
        Refused(Write("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}}""", 12), "overlaps tensor 'a'");

    [Fact]
    public void Offsets_that_run_backwards_are_refused() =>
        Refused(Write("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[8,0]}}""", 8), "'a'", "run backwards");

    [Fact]
    public void Negative_offsets_are_refused() =>
        Refused(Write("""{"a":{"dtype":"F32","shape":[2],"data_offsets":[-8,0]}}""", 8), "'a'", "run backwards or start before the data");

    [Fact]
    public void Offsets_past_the_end_of_the_file_are_refused_as_truncation_naming_the_tensor()
    {
        var ex = Refused(Write("""{"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}}""", 12), "truncated", "'a'");
        Assert.Equal("a", ex.TensorName);
    }

    [Fact]
    public void A_byte_size_that_does_not_match_shape_times_dtype_is_refused() =>
        Refused(Write("""{"a":{"dtype":"BF16","shape":[3,2],"data_offsets":[0,8]}}""", 8), "'a'", "BF16 [3, 2] needs 12 bytes");

    [Fact]
    public void A_gap_between_tensors_is_refused() =>
        Refused(Write("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[4,6]}}""", 6), "gap of 2 bytes after tensor 'a'");

    [Fact]
    public void Bytes_after_the_last_tensor_are_refused() =>
        Refused(Write("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]}}""", 5), "3 bytes after the last tensor");

    [Fact]
    public void A_shape_whose_size_overflows_64_bits_is_refused() =>
        Refused(Write("""{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,0]}}""", 0), "does not fit in 64 bits");

    [Fact]
    public void An_empty_tensor_whose_other_dimensions_overflow_is_refused_before_libtorch_sees_it() =>
        Refused(Write("""{"a":{"dtype":"F32","shape":[0,9223372036854775807,9223372036854775807],"data_offsets":[0,0]}}""", 0), "does not fit in 64 bits");

    [Fact]
    public void Duplicate_tensor_names_are_refused()
    {
        var ex = Refused(Write("""{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"a":{"dtype":"U8","shape":[2],"data_offsets":[2,4]}}""", 4), "malformed JSON header");
        Assert.Contains("'a'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_header_that_is_not_utf8_is_refused()
    {
        string path = _dir.File("latin1.safetensors");
        byte[] header = [.. "{\"caf"u8, 0xE9, .. "\":{\"dtype\":\"U8\",\"shape\":[1],\"data_offsets\":[0,1]}}"u8];
        File.WriteAllBytes(path, SafetensorsFuzzTests.Assemble(header, [7]));
        Refused(path, "not valid UTF-8 (header byte 5)");
    }

    [Fact]
    public void Ten_thousand_levels_of_nesting_are_refused_without_a_stack_overflow() =>
        Refused(Write("{\"__metadata__\":" + new string('[', 10_000) + new string(']', 10_000) + "}", 0), "malformed JSON header", "depth");

    [Fact]
    public void A_lone_surrogate_escape_in_a_tensor_name_is_refused() =>
        Refused(Write("""{"\ud800":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}""", 1), "not valid Unicode");

    [Fact]
    public void A_valid_file_with_an_empty_tensor_and_a_scalar_still_loads()
    {
        string path = Write("""{"e":{"dtype":"F32","shape":[0,3],"data_offsets":[0,0]},"s":{"dtype":"I64","shape":[],"data_offsets":[0,8]},"__metadata__":{"format":"pt"}}""", 8);
        using var file = SafetensorsFile.Open(path);
        using var scalar = file.ReadTensor("s");
        Assert.Equal(0L, scalar.item<long>());
        using var empty = file.ReadTensor("e");
        Assert.Equal([0L, 3L], empty.shape);
    }
}
