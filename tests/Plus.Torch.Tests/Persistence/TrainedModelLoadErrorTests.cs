using System.Text.Json.Nodes;
using Plus.Torch.Persistence;

namespace Plus.Torch.Tests.Persistence;

/// <summary>A saved folder that is not what its manifest says is refused with an error naming the file; nothing loads.</summary>
public sealed class TrainedModelLoadErrorTests(TrainedModelsFixture fixture) : IClassFixture<TrainedModelsFixture>
{
    private string Copy(string name)
    {
        string target = Path.Combine(fixture.Root, "copies", Guid.NewGuid().ToString("N"));
        foreach (var file in Directory.EnumerateFiles(fixture.Saved[name], "*", SearchOption.AllDirectories))
        {
            string to = Path.Combine(target, Path.GetRelativePath(fixture.Saved[name], file));
            Directory.CreateDirectory(Path.GetDirectoryName(to)!);
            File.Copy(file, to);
        }

        return target;
    }

    private static void EditManifest(string dir, Action<JsonObject> edit)
    {
        string path = Path.Combine(dir, "plus.json");
        var root = JsonNode.Parse(File.ReadAllText(path))!.AsObject();
        edit(root);
        File.WriteAllText(path, root.ToJsonString());
    }

    [Fact]
    public void A_folder_without_a_manifest_is_not_a_model()
    {
        string dir = Copy("BTL");
        File.Delete(Path.Combine(dir, "plus.json"));
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Contains("has no plus.json", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_format_version_says_which_version_this_build_reads()
    {
        string dir = Copy("BTL");
        EditManifest(dir, m => m["format_version"] = 2);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Contains("format_version 2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("newer Plus.Sdk", ex.Message, StringComparison.Ordinal);
        Assert.EndsWith("plus.json", ex.FilePath, StringComparison.Ordinal);
    }

    [Fact]
    public void An_altered_or_missing_file_is_named()
    {
        string altered = Copy("BTL");
        string weights = Path.Combine(altered, "reward_model", "model.safetensors");
        var bytes = File.ReadAllBytes(weights);
        bytes[^1] ^= 0x55;
        File.WriteAllBytes(weights, bytes);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(altered));
        Assert.Equal(weights, ex.FilePath);
        Assert.Contains("sha256", ex.Message, StringComparison.Ordinal);

        string missing = Copy("PLUS");
        string adapter = Path.Combine(missing, "summarizer", "adapter_model.safetensors");
        File.Delete(adapter);
        ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(missing));
        Assert.Equal(adapter, ex.FilePath);
        Assert.Contains("is missing", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listed_file_of_another_size_is_named_before_its_hash_is_read()
    {
        string dir = Copy("BTL");
        string weights = Path.Combine(dir, "reward_model", "model.safetensors");
        using (var stream = File.Open(weights, FileMode.Append)) stream.WriteByte(0);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Equal(weights, ex.FilePath);
        Assert.Contains("bytes;", ex.Message, StringComparison.Ordinal);
        Assert.Contains("altered or truncated", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_listed_file_that_is_a_symbolic_link_is_refused_even_when_its_target_has_the_right_bytes()
    {
        string dir = Copy("BTL");
        string weights = Path.Combine(dir, "reward_model", "model.safetensors");
        string outside = Path.Combine(fixture.Root, "outside-" + Guid.NewGuid().ToString("N") + ".safetensors");
        File.Move(weights, outside);
        File.CreateSymbolicLink(weights, outside);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Equal(weights, ex.FilePath);
        Assert.Contains("is a symbolic link", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sub_folder_that_is_a_symbolic_link_is_refused_so_nothing_outside_the_folder_is_read()
    {
        string dir = Copy("BTL");
        string folder = Path.Combine(dir, "reward_model");
        string outside = Path.Combine(fixture.Root, "outside-folder-" + Guid.NewGuid().ToString("N"));
        Directory.Move(folder, outside);
        Directory.CreateSymbolicLink(folder, outside);
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Equal(folder, ex.FilePath);
        Assert.Contains("on the way to", ex.Message, StringComparison.Ordinal);
        Assert.Contains("is a symbolic link", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_or_different_base_model_is_refused_and_a_given_base_path_is_used()
    {
        string dir = Copy("BTL-lora");
        EditManifest(dir, m => m["reward_model"]!["base_model"]!["name_or_path"] = "/nowhere/base-model");
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Contains("'/nowhere/base-model'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("BaseModelPath", ex.Message, StringComparison.Ordinal);

        using (var model = TrainedModel.Load(dir, new TrainedModelLoadOptions { BaseModelPath = TrainedModelsFixture.ModelDir }))
        {
            Assert.Equal("BTL", model.Name);
        }

        string other = Path.Combine(fixture.Root, "other-base", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(other);
        foreach (var file in Directory.EnumerateFiles(TrainedModelsFixture.ModelDir)) File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(other, "config.json")))!.AsObject();
        config["rms_norm_eps"] = 1e-5;
        File.WriteAllText(Path.Combine(other, "config.json"), config.ToJsonString());
        ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir, new TrainedModelLoadOptions { BaseModelPath = other }));
        Assert.Contains("is not the one this model was trained on", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_path_outside_the_folder_is_refused()
    {
        foreach (var bad in new[] { "../outside", "/etc", "reward_model/../../x" })
        {
            string dir = Copy("BTL");
            EditManifest(dir, m => m["reward_model"]!["path"] = bad);
            var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
            Assert.Contains("inside the model folder", ex.Message, StringComparison.Ordinal);
        }

        string listed = Copy("BTL");
        EditManifest(listed, m => m["files"]!.AsArray().Add(new JsonObject { ["path"] = "../secret", ["size"] = 1, ["sha256"] = new string('0', 64) }));
        Assert.Throws<TrainedModelException>(() => TrainedModel.Load(listed));
    }

    [Fact]
    public void Json_that_is_not_a_manifest_names_the_file()
    {
        string dir = Copy("BTL");
        File.WriteAllText(Path.Combine(dir, "plus.json"), "{ \"format\": \"plus-sdk.trained-model\", \"format_version\": 1, \"method\": ");
        var ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.EndsWith("plus.json", ex.FilePath, StringComparison.Ordinal);

        File.WriteAllText(Path.Combine(dir, "plus.json"), "{ \"format\": \"something-else\" }");
        ex = Assert.Throws<TrainedModelException>(() => TrainedModel.Load(dir));
        Assert.Contains("not a Plus.Sdk trained-model manifest", ex.Message, StringComparison.Ordinal);
    }
}
