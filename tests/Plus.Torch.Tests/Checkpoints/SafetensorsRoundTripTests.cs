using System.Buffers.Binary;
using System.Text;
using System.Text.Json;
using Plus.Torch.Checkpoints;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Checkpoints;

public class SafetensorsRoundTripTests
{
    [Fact]
    public void Tensors_of_every_dtype_come_back_bit_for_bit()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>
        {
            ["f32"] = randn(3, 5),
            ["bf16"] = randn(4, 2).to(ScalarType.BFloat16),
            ["f16"] = randn(7).to(ScalarType.Float16),
            ["i64"] = arange(0, 12, ScalarType.Int64).view(3, 4),
            ["i32"] = arange(0, 6, ScalarType.Int32),
            ["scalar"] = tensor(3.5f),
            ["empty"] = zeros(0, 4),
        };
        string path = dir.File("t.safetensors");
        SafetensorsWriter.Write(path, tensors, metadata: new Dictionary<string, string> { ["note"] = "x" });

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.Equal("x", file.Metadata["note"]);
        foreach (var (name, t) in tensors)
        {
            using var back = file.ReadTensor(name);
            Assert.Equal(t.dtype, back.dtype);
            Assert.Equal(t.shape, back.shape);
            Assert.True(t.eq(back).all().item<bool>(), name);
        }
    }

    [Fact]
    public void The_header_is_space_padded_to_8_bytes_and_offsets_are_contiguous()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["b"] = ones(3), ["a"] = zeros(2, 2) });

        var bytes = File.ReadAllBytes(path);
        long headerLen = (long)BinaryPrimitives.ReadUInt64LittleEndian(bytes);
        Assert.Equal(0, (8 + headerLen) % 8);
        string header = Encoding.UTF8.GetString(bytes, 8, (int)headerLen);
        Assert.EndsWith("}", header.TrimEnd(' '));
        using var doc = JsonDocument.Parse(header);
        Assert.Equal("pt", doc.RootElement.GetProperty("__metadata__").GetProperty("format").GetString());
        Assert.Equal("[0,16]", doc.RootElement.GetProperty("a").GetProperty("data_offsets").GetRawText());
        Assert.Equal("[16,28]", doc.RootElement.GetProperty("b").GetProperty("data_offsets").GetRawText());
        Assert.Equal(8 + headerLen + 28, bytes.Length);
    }

    [Fact]
    public void Floating_tensors_convert_on_write_and_on_read()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.File("t.safetensors");
        var w = randn(16, 8);
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["w"] = w, ["ids"] = arange(4, ScalarType.Int64) }, ScalarType.BFloat16);

        using var file = SafetensorsFile.Open(path);
        Assert.Equal("BF16", file.Tensors["w"].DType);
        Assert.Equal("I64", file.Tensors["ids"].DType);
        using var back = file.ReadTensor("w", ScalarType.Float32);
        Assert.Equal(ScalarType.Float32, back.dtype);
        Assert.True(back.allclose(w, rtol: 1e-2, atol: 1e-2));
    }

    [Fact]
    public void Golden_fixture_written_by_transformers_is_read()
    {
        string path = Path.Combine(AppContext.BaseDirectory, "fixtures", "golden", "tiny-qwen2", "model.safetensors");
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(26, file.Tensors.Count);
        Assert.Equal(new long[] { 320, 64 }, file.Tensors["model.embed_tokens.weight"].Shape);
        using var t = file.ReadTensor("model.norm.weight");
        Assert.InRange(t.mean().item<float>(), 0.8f, 1.2f);
    }

    [Fact]
    public void Writing_replaces_the_file_atomically_and_leaves_no_temporary_files()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        string path = dir.File("t.safetensors");
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["x"] = ones(2) });
        SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["y"] = ones(3) });
        Assert.Equal(["t.safetensors"], Directory.GetFiles(dir.Path).Select(f => Path.GetFileName(f)!).ToArray());
        using var file = SafetensorsFile.Open(path);
        Assert.Equal(["y"], file.Tensors.Keys);
    }
}
