using System.Text;
using Plus.Fuzzing;
using Plus.Torch.Checkpoints;
using Plus.Torch.Lora;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tests.Modeling;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// <c>config.json</c> (<see cref="DecoderConfig"/>) and <c>adapter_config.json</c> (<see cref="PeftAdapterConfig"/>)
/// under mutated files: every input loads or fails with a <see cref="CheckpointException"/> naming the file.
/// </summary>
public sealed class JsonConfigFuzzTests
{
    private static byte[] Generate(Mutator m, IReadOnlyList<byte[]> corpus)
    {
        byte[] seed = corpus[m.Random.Next(corpus.Count)];
        return m.Random.Next(4) == 0
            ? m.MutateBytes(seed, corpus)
            : Encoding.UTF8.GetBytes(m.MutateJson(Encoding.UTF8.GetString(seed)));
    }

    private static Func<Exception, string?> NamesFile(string path) => ex => ex is CheckpointException c
        ? (c.Message.Contains(path, StringComparison.Ordinal) ? null : "the message does not name the file")
        : $"{ex.GetType().Name} is not the documented CheckpointException";

    [Fact]
    public void Mutated_config_json_files_load_or_fail_with_a_CheckpointException_naming_the_file()
    {
        var corpus = new[] { "tiny-qwen2", "tiny-llama" }
            .Select(n => File.ReadAllBytes(Path.Combine(GoldenFixtures.Dir(n), "config.json")))
            .Append(File.ReadAllBytes(Path.Combine(Chat.TinyChatFixture.Directory, "config.json")))
            .ToList();
        using var dir = new TempDir();
        string path = dir.File("config.json");
        var report = FuzzRunner.Run(
            "config-json",
            FuzzRunner.Iterations(3000),
            FuzzRunner.Seed(13),
            (m, _) => Generate(m, corpus),
            input =>
            {
                File.WriteAllBytes(path, input);
                var config = DecoderConfig.Load(path);
                Assert.True(config.HiddenSize > 0 && config.NumAttentionHeads % config.NumKeyValueHeads == 0);
            },
            NamesFile(path));

        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(CheckpointException)) > report.Total / 10, report.ToString());
    }

    [Fact]
    public void Mutated_adapter_config_json_files_load_or_fail_with_a_CheckpointException_naming_the_file()
    {
        var corpus = new List<byte[]>
        {
            File.ReadAllBytes(Path.Combine(GoldenFixtures.Dir("tiny-qwen2-lora"), "adapter_config.json")),
            Encoding.UTF8.GetBytes("""{"peft_type":"LORA","r":4,"lora_alpha":8,"lora_dropout":0.1,"target_modules":"all-linear","modules_to_save":["score"],"task_type":"SEQ_CLS","use_rslora":true,"rank_pattern":{},"alpha_pattern":{},"layers_to_transform":null,"bias":"none"}"""),
        };
        using var dir = new TempDir();
        string path = dir.File("adapter_config.json");
        var report = FuzzRunner.Run(
            "adapter-config-json",
            FuzzRunner.Iterations(3000),
            FuzzRunner.Seed(13),
            (m, _) => Generate(m, corpus),
            input =>
            {
                File.WriteAllBytes(path, input);
                var config = PeftAdapterConfig.Load(path);
                Assert.True(config.Settings.Rank >= 1);
            },
            NamesFile(path));

        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(CheckpointException)) > report.Total / 10, report.ToString());
    }
}
