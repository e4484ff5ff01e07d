using System.Buffers.Binary;
using System.Text;
using System.Text.Json.Nodes;
using Plus.Fuzzing;
using Plus.Torch.Checkpoints;
using Plus.Torch.Tests.Checkpoints;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// <see cref="SafetensorsFile"/> under mutated and generated files: every input opens (and then every tensor
/// reads) or fails with a <see cref="CheckpointException"/> naming the file (docs/reliability.md).
/// </summary>
public sealed class SafetensorsFuzzTests
{
    /// <summary>Small valid files from our writer: several dtypes, a scalar, an empty tensor.</summary>
    internal static IReadOnlyList<byte[]> Corpus { get; } = BuildCorpus();

    private static List<byte[]> BuildCorpus()
    {
        using var dir = new TempDir();
        using var scope = NewDisposeScope();
        var sets = new[]
        {
            new Dictionary<string, Tensor> { ["w"] = arange(6, float32).reshape(2, 3), ["b"] = ones(3, bfloat16) },
            new Dictionary<string, Tensor> { ["ids"] = arange(4, int64), ["mask"] = tensor(new[] { true, false }), ["s"] = tensor(2.5f) },
            new Dictionary<string, Tensor> { ["empty"] = zeros(0, 4), ["h"] = ones(2, 2, float16), ["u"] = tensor(new byte[] { 1, 2, 3 }) },
        };
        var list = new List<byte[]>();
        foreach (var set in sets)
        {
            string path = dir.File("c.safetensors");
            SafetensorsWriter.Write(path, set);
            list.Add(File.ReadAllBytes(path));
        }

        return list;
    }

    /// <summary>Three kinds of input: raw byte mutations, header-only JSON mutations with a consistent length prefix, and headers generated from scratch.</summary>
    internal static byte[] Generate(Mutator m, int i)
    {
        byte[] seed = Corpus[m.Random.Next(Corpus.Count)];
        switch (i % 3)
        {
            case 0:
                return m.MutateBytes(seed, Corpus);
            case 1:
                ulong headerLength = BinaryPrimitives.ReadUInt64LittleEndian(seed);
                string header = Encoding.UTF8.GetString(seed, 8, (int)headerLength);
                byte[] data = seed[(8 + (int)headerLength)..];
                if (m.Random.Next(4) == 0) data = data[..m.Random.Next(data.Length + 1)];
                return Assemble(Encoding.UTF8.GetBytes(m.MutateJson(header.TrimEnd())), data);
            default:
                return Assemble(Encoding.UTF8.GetBytes(RandomHeader(m, out int dataLength).ToJsonString()), new byte[dataLength]);
        }
    }

    private static JsonObject RandomHeader(Mutator m, out int dataLength)
    {
        string[] dtypes = ["F32", "F16", "BF16", "I64", "I8", "U8", "BOOL", "F64", "F8_E5M2", "f32", ""];
        var header = new JsonObject();
        long offset = 0;
        for (int t = m.Random.Next(4); t >= 0; t--)
        {
            var shape = new JsonArray();
            long count = 1;
            for (int d = m.Random.Next(4); d > 0; d--)
            {
                int dim = m.Random.Next(5);
                shape.Add(dim);
                count *= dim;
            }

            string dtype = dtypes[m.Random.Next(dtypes.Length)];
            long size = count * (dtype is "F64" or "I64" ? 8 : dtype is "F32" ? 4 : dtype is "F16" or "BF16" ? 2 : 1);
            long begin = m.Random.Next(6) == 0 ? offset + m.Random.Next(-3, 4) : offset;
            long end = m.Random.Next(6) == 0 ? begin + size + m.Random.Next(-3, 4) : begin + size;
            header["t" + t] = new JsonObject { ["dtype"] = dtype, ["shape"] = shape, ["data_offsets"] = new JsonArray(begin, end) };
            offset = Math.Max(offset, end);
        }

        if (m.Random.Next(3) == 0) header["__metadata__"] = new JsonObject { ["format"] = "pt" };
        dataLength = (int)Math.Max(0, offset + (m.Random.Next(5) == 0 ? m.Random.Next(-4, 5) : 0));
        return header;
    }

    internal static byte[] Assemble(byte[] header, byte[] data)
    {
        var bytes = new byte[8 + header.Length + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, (ulong)header.Length);
        header.CopyTo(bytes, 8);
        data.CopyTo(bytes, 8 + header.Length);
        return bytes;
    }

    [Fact]
    public void Mutated_safetensors_files_open_and_read_or_fail_with_a_CheckpointException_naming_the_file()
    {
        using var dir = new TempDir();
        string path = dir.File("fuzz.safetensors");
        var report = FuzzRunner.Run(
            "safetensors",
            FuzzRunner.Iterations(3000),
            FuzzRunner.Seed(13),
            Generate,
            input =>
            {
                File.WriteAllBytes(path, input);
                using var file = SafetensorsFile.Open(path);
                long covered = 0;
                foreach (var (name, info) in file.Tensors)
                {
                    using var t = file.ReadTensor(name);
                    Assert.Equal(info.End - info.Begin, t.NumberOfElements * t.ElementSize);
                    covered += info.End - info.Begin;
                }

                // Accepted files are covered exactly by their tensors.
                Assert.Equal(input.Length - 8 - (long)BinaryPrimitives.ReadUInt64LittleEndian(input), covered);
            },
            ex => ex is CheckpointException c
                ? (c.Message.Contains(path, StringComparison.Ordinal) ? null : "the message does not name the file")
                : $"{ex.GetType().Name} is not the documented CheckpointException");

        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(CheckpointException)) > report.Total / 4, report.ToString());
    }
}
