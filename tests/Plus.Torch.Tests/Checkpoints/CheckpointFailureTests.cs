using System.Text;
using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Checkpoints;

public class CheckpointFailureTests
{
    private static TempDir CopyOfTinyQwen()
    {
        var dir = new TempDir();
        foreach (var f in new[] { "config.json", "model.safetensors" })
        {
            File.Copy(Path.Combine(GoldenFixtures.Dir("tiny-qwen2"), f), dir.File(f));
        }

        return dir;
    }

    private static void RewriteWeights(string dir, Action<Dictionary<string, Tensor>> edit)
    {
        using var scope = NewDisposeScope();
        Dictionary<string, Tensor> tensors;
        using (var file = SafetensorsFile.Open(Path.Combine(dir, "model.safetensors")))
        {
            tensors = file.Tensors.Keys.ToDictionary(k => k, k => file.ReadTensor(k));
        }

        edit(tensors);
        SafetensorsWriter.Write(Path.Combine(dir, "model.safetensors"), tensors);
    }

    [Fact]
    public void A_missing_tensor_is_named_with_the_file()
    {
        using var dir = CopyOfTinyQwen();
        RewriteWeights(dir.Path, t => t.Remove("model.layers.1.mlp.up_proj.weight"));

        var ex = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir.Path));
        Assert.Contains("model.layers.1.mlp.up_proj.weight", ex.Message);
        Assert.Contains("model.safetensors", ex.Message);
        Assert.Contains("[160, 64]", ex.Message);
        Assert.Equal("model.layers.1.mlp.up_proj.weight", ex.TensorName);
    }

    [Fact]
    public void A_mis_shaped_tensor_names_the_tensor_both_shapes_and_the_file()
    {
        using var dir = CopyOfTinyQwen();
        RewriteWeights(dir.Path, t => t["model.layers.0.self_attn.k_proj.weight"] = zeros(48, 64));

        var ex = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir.Path));
        Assert.Contains("model.layers.0.self_attn.k_proj.weight", ex.Message);
        Assert.Contains("[48, 64]", ex.Message);
        Assert.Contains("[32, 64]", ex.Message);
        Assert.Contains(Path.Combine(dir.Path, "model.safetensors"), ex.Message);
    }

    [Fact]
    public void An_unknown_model_type_names_the_file_and_the_value()
    {
        using var dir = CopyOfTinyQwen();
        string config = dir.File("config.json");
        File.WriteAllText(config, File.ReadAllText(config).Replace("\"qwen2\"", "\"mistral\"", StringComparison.Ordinal));

        var ex = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir.Path));
        Assert.Contains("mistral", ex.Message);
        Assert.Contains(config, ex.Message);
    }

    [Fact]
    public void A_truncated_file_fails_on_open_naming_the_file_and_the_tensor_that_runs_past_the_end()
    {
        using var dir = CopyOfTinyQwen();
        string weights = dir.File("model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        File.WriteAllBytes(weights, bytes[..(bytes.Length - 100)]);

        var ex = Assert.Throws<CheckpointException>(() => CausalLM.FromPretrained(dir.Path));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains(weights, ex.Message);
        Assert.NotNull(ex.TensorName);
        Assert.Contains(ex.TensorName!, ex.Message);
    }

    [Fact]
    public void A_file_cut_inside_its_header_is_reported_as_truncated()
    {
        using var dir = new TempDir();
        string path = dir.File("x.safetensors");
        using (var scope = NewDisposeScope())
        {
            SafetensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = ones(4) });
        }

        File.WriteAllBytes(path, File.ReadAllBytes(path)[..20]);
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains("truncated", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void An_unknown_dtype_names_the_tensor_and_the_dtype()
    {
        using var dir = new TempDir();
        string path = dir.File("x.safetensors");
        string header = "{\"w\":{\"dtype\":\"F8_E4M3\",\"shape\":[2],\"data_offsets\":[0,2]}}";
        while ((header.Length + 8) % 8 != 0) header += " ";
        var bytes = new List<byte>();
        bytes.AddRange(BitConverter.GetBytes((ulong)header.Length));
        bytes.AddRange(Encoding.UTF8.GetBytes(header));
        bytes.AddRange(new byte[2]);
        File.WriteAllBytes(path, [.. bytes]);

        var ex = Assert.Throws<CheckpointException>(() => SafetensorsFile.Open(path));
        Assert.Contains("'w'", ex.Message);
        Assert.Contains("F8_E4M3", ex.Message);
        Assert.Contains(path, ex.Message);
    }

    [Fact]
    public void A_failed_reload_leaves_the_model_unchanged()
    {
        using var good = CausalLM.FromPretrained(GoldenFixtures.Dir("tiny-qwen2"));
        using var dir = CopyOfTinyQwen();
        RewriteWeights(dir.Path, t =>
        {
            foreach (var k in t.Keys.ToList()) t[k] = t[k] * 2;
            t["model.norm.weight"] = zeros(65);
        });
        using var scope = NewDisposeScope();
        var before = good.state_dict().ToDictionary(p => p.Key, p => p.Value.clone());

        using var checkpoint = SafetensorsCheckpoint.Open(dir.Path);
        Assert.Throws<CheckpointException>(() => good.LoadWeights(checkpoint));

        foreach (var (name, value) in good.state_dict())
        {
            Assert.True(value.eq(before[name]).all().item<bool>(), name);
        }
    }

    [Fact]
    public void A_shard_index_naming_a_missing_file_names_both()
    {
        using var dir = new TempDir();
        File.WriteAllText(dir.File("model.safetensors.index.json"), "{\"weight_map\":{\"a\":\"model-00001-of-00002.safetensors\"}}");
        var ex = Assert.Throws<FileNotFoundException>(() => SafetensorsCheckpoint.Open(dir.Path));
        Assert.Contains("model-00001-of-00002.safetensors", ex.Message);
        Assert.Contains("model.safetensors.index.json", ex.Message);
    }
}
