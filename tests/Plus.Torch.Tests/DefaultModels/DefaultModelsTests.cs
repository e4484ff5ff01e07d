using Plus.Torch.Chat;
using Plus.Torch.Tests.Chat;

namespace Plus.Torch.Tests.DefaultModels;

public sealed class DefaultModelsTests : IDisposable
{
    private const string StandIn = "Plus.Torch.Tests.StandIn/tiny-chat/";
    private readonly string _root = Path.Combine(Path.GetTempPath(), "plus-defaultmodels-" + Guid.NewGuid().ToString("N"));
    private static readonly System.Reflection.Assembly Tests = typeof(DefaultModelsTests).Assembly;

    public void Dispose()
    {
        if (Directory.Exists(_root)) Directory.Delete(_root, recursive: true);
    }

    private string Extract(string? directory = null, string prefix = StandIn) =>
        Torch.DefaultModels.Extract(Tests, prefix, "tiny-chat", directory, _root);

    [Fact]
    public void Extraction_writes_every_embedded_file_byte_for_byte_into_a_hash_keyed_cache_folder()
    {
        string dir = Extract();
        Assert.StartsWith(Path.Combine(_root, "tiny-chat-"), dir, StringComparison.Ordinal);
        string[] names = ["config.json", "generation_config.json", "model.safetensors", "tokenizer.json", "tokenizer_config.json"];
        Assert.Equal(names, Directory.GetFiles(dir).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        foreach (string name in names)
        {
            Assert.Equal(File.ReadAllBytes(Path.Combine(TinyChatFixture.Directory, name)), File.ReadAllBytes(Path.Combine(dir, name)));
        }

        Assert.DoesNotContain(Directory.GetDirectories(_root), d => d.Contains(".tmp-", StringComparison.Ordinal));
    }

    [Fact]
    public void A_complete_cache_folder_is_reused_and_a_damaged_one_is_rewritten()
    {
        string first = Extract();
        string marker = Path.Combine(first, "marker.txt");
        File.WriteAllText(marker, "kept");
        Assert.Equal(first, Extract());
        Assert.True(File.Exists(marker), "a complete folder is reused as it is");

        File.Delete(Path.Combine(first, "tokenizer.json"));
        Assert.Equal(first, Extract());
        Assert.True(File.Exists(Path.Combine(first, "tokenizer.json")));
        Assert.False(File.Exists(marker), "a damaged folder is replaced");
    }

    [Fact]
    public async Task Concurrent_extractions_agree_on_one_folder()
    {
        var dirs = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(() => Extract())));
        Assert.Single(dirs.Distinct());
        Assert.Equal(5, Directory.GetFiles(dirs[0]).Length);
    }

    [Fact]
    public void Extraction_to_a_given_folder_and_loading_give_a_working_model()
    {
        string dir = Extract(Path.Combine(_root, "mine"));
        Assert.Equal(Path.Combine(_root, "mine"), dir);
        var (model, tokenizer) = Torch.DefaultModels.Load(dir, device: null);
        using (model)
        {
            var completion = new TextGenerator(model, tokenizer).Generate([Conversation.FromUser("Hello")], TextGenerationOptions.Greedy(4))[0];
            Assert.InRange(completion.TokenIds.Count, 1, 4);
        }
    }

    [Fact]
    public void Missing_resources_and_a_folder_without_its_tokenizer_fail_with_clear_messages()
    {
        var none = Assert.Throws<InvalidOperationException>(() => Extract(prefix: "Plus.Torch.Tests.StandIn/nothing/"));
        Assert.Contains("'tiny-chat' is not embedded", none.Message, StringComparison.Ordinal);
        var broken = Assert.Throws<InvalidOperationException>(() => Extract(prefix: "Plus.Torch.Tests.StandIn/broken/"));
        Assert.Contains("lacks tokenizer.json", broken.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_embedded_tiny_qwen2_extracts_when_present_and_otherwise_says_it_is_missing()
    {
        if (Torch.DefaultModels.IsTinyQwen2Available)
        {
            string dir = Torch.DefaultModels.ExtractTinyQwen2(Path.Combine(_root, "tiny"));
            Assert.True(File.Exists(Path.Combine(dir, "config.json")));
            Assert.True(File.Exists(Path.Combine(dir, "tokenizer.json")));
            var (model, tokenizer) = Torch.DefaultModels.Load(dir, device: null);
            using (model)
            {
                var completion = new TextGenerator(model, tokenizer).Generate([Conversation.FromUser("Hello")], TextGenerationOptions.Greedy(2))[0];
                Assert.InRange(completion.TokenIds.Count, 1, 2);
            }
        }
        else
        {
            var ex = Assert.Throws<InvalidOperationException>(() => Torch.DefaultModels.ExtractTinyQwen2(Path.Combine(_root, "tiny")));
            Assert.Contains(Torch.DefaultModels.TinyQwen2, ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_tiny_model_comes_from_the_Plus_Models_Tiny_assembly_not_from_Plus_Torch()
    {
        // This test project references Plus.Models.Tiny, as an application that wants the default model does.
        Assert.True(Torch.DefaultModels.IsTinyQwen2Available);
        var model = Torch.DefaultModels.FindModelAssembly(Torch.DefaultModels.TinyQwen2Package);
        Assert.NotNull(model);
        Assert.Contains(model.GetManifestResourceNames(), r => r == "Plus.Models.Tiny/plus-tiny-qwen2/model.safetensors");
        Assert.DoesNotContain(typeof(Torch.DefaultModels).Assembly.GetManifestResourceNames(), r => r.Contains("plus-tiny-qwen2", StringComparison.Ordinal));
        Assert.True(new FileInfo(typeof(Torch.DefaultModels).Assembly.Location).Length < 2_000_000, "Plus.Torch.dll stays small");
    }

    [Fact]
    public void A_missing_model_package_is_named_in_the_error()
    {
        Assert.Null(Torch.DefaultModels.FindModelAssembly("Plus.Models.Absent"));
        var ex = Assert.Throws<InvalidOperationException>(() => Torch.DefaultModels.RequireModelAssembly("Plus.Models.Absent", "absent-model"));
        Assert.Contains("'absent-model' ships in the package Plus.Models.Absent", ex.Message, StringComparison.Ordinal);
        Assert.Contains("dotnet add package Plus.Models.Absent", ex.Message, StringComparison.Ordinal);
    }
}
