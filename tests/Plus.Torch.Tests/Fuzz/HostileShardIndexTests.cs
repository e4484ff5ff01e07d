using Plus.Torch.Checkpoints;
using Plus.Torch.Tests.Checkpoints;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// A shard index that names a file outside the model folder is refused before the file is opened
/// (docs/reliability.md). Every outside target here is a valid safetensors file holding the tensor, so a reader
/// that followed the name would load it.
/// </summary>
public sealed class HostileShardIndexTests : IDisposable
{
    private readonly TempDir _root = new();

    public HostileShardIndexTests()
    {
        Model = Directory.CreateDirectory(Path.Combine(_root.Path, "model")).FullName;
        Outside = Path.Combine(_root.Path, "secret.safetensors");
        using var scope = NewDisposeScope();
        SafetensorsWriter.Write(Outside, new Dictionary<string, Tensor> { ["w"] = ones(2) });
    }

    private string Model { get; }

    private string Outside { get; }

    public void Dispose() => _root.Dispose();

    private string WriteIndex(string shardName, string? folder = null)
    {
        string index = Path.Combine(folder ?? Model, SafetensorsCheckpoint.IndexFileName);
        var map = new System.Text.Json.Nodes.JsonObject { ["weight_map"] = new System.Text.Json.Nodes.JsonObject { ["w"] = shardName } };
        File.WriteAllText(index, map.ToJsonString());
        return index;
    }

    private void AssertRefused(string shardName, string reason)
    {
        string index = WriteIndex(shardName);
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(Model).Dispose());
        Assert.Contains(index, ex.Message, StringComparison.Ordinal);
        Assert.Contains("'w'", ex.Message, StringComparison.Ordinal);
        Assert.True(ex.Message.Contains(reason, StringComparison.Ordinal), ex.Message);
    }

    [Theory]
    [InlineData("../secret.safetensors")]
    [InlineData("sub/../../secret.safetensors")]
    [InlineData("..\\secret.safetensors")]
    public void A_name_that_climbs_out_with_dot_dot_is_refused(string name) => AssertRefused(name, "climbs out of the folder");

    [Fact]
    public void An_absolute_path_is_refused() => AssertRefused(Outside, "is an absolute path");

    [Fact]
    public void A_symbolic_link_to_a_file_outside_the_folder_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(Model, "model-00001-of-00001.safetensors"), Outside);
        AssertRefused("model-00001-of-00001.safetensors", "is a symbolic link to '" + Outside + "', outside the folder");
    }

    [Fact]
    public void A_file_inside_a_linked_folder_that_points_outside_is_refused()
    {
        Directory.CreateSymbolicLink(Path.Combine(Model, "sub"), _root.Path);
        AssertRefused("sub/secret.safetensors", "outside the folder");
    }

    [Fact]
    public void A_relative_link_chain_that_ends_outside_is_refused()
    {
        File.CreateSymbolicLink(Path.Combine(Model, "hop.safetensors"), "../secret.safetensors");
        File.CreateSymbolicLink(Path.Combine(Model, "entry.safetensors"), "hop.safetensors");
        AssertRefused("entry.safetensors", "outside the folder");
    }

    [Fact]
    public void A_link_loop_is_refused_instead_of_followed_forever()
    {
        File.CreateSymbolicLink(Path.Combine(Model, "a.safetensors"), "b.safetensors");
        File.CreateSymbolicLink(Path.Combine(Model, "b.safetensors"), "a.safetensors");
        AssertRefused("a.safetensors", "too long to follow");
    }

    [Fact]
    public void A_symbolic_link_that_stays_inside_the_folder_is_followed()
    {
        File.Copy(Outside, Path.Combine(Model, "real.safetensors"));
        File.CreateSymbolicLink(Path.Combine(Model, "model-00001-of-00001.safetensors"), "real.safetensors");
        WriteIndex("model-00001-of-00001.safetensors");
        using var checkpoint = SafetensorsCheckpoint.Open(Model);
        using var w = checkpoint.ReadTensor("w");
        Assert.Equal(2, w.NumberOfElements);
    }

    [Fact]
    public void The_hugging_face_cache_layout_links_into_the_same_repositorys_blobs_and_is_followed()
    {
        string repo = Path.Combine(_root.Path, "hub", "models--org--tiny");
        string blobs = Directory.CreateDirectory(Path.Combine(repo, "blobs")).FullName;
        string snapshot = Directory.CreateDirectory(Path.Combine(repo, "snapshots", "abc123")).FullName;
        File.Copy(Outside, Path.Combine(blobs, "9f86d081"));
        File.CreateSymbolicLink(Path.Combine(snapshot, "model-00001-of-00001.safetensors"), "../../blobs/9f86d081");
        WriteIndex("model-00001-of-00001.safetensors", snapshot);

        using var checkpoint = SafetensorsCheckpoint.Open(snapshot);
        Assert.True(checkpoint.Contains("w"));
    }

    [Fact]
    public void A_weight_map_value_that_is_not_a_string_is_refused_naming_the_tensor()
    {
        string index = Path.Combine(Model, SafetensorsCheckpoint.IndexFileName);
        File.WriteAllText(index, """{"weight_map":{"w":["model.safetensors"]}}""");
        var ex = Assert.Throws<CheckpointException>(() => SafetensorsCheckpoint.Open(Model));
        Assert.Contains(index, ex.Message, StringComparison.Ordinal);
        Assert.Equal("w", ex.TensorName);
    }
}
