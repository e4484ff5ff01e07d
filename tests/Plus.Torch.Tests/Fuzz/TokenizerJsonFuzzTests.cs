using System.Text;
using Plus.Fuzzing;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tests.Tokenization;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Fuzz;

/// <summary>
/// <see cref="HfTokenizer.Load"/> under mutated <c>tokenizer.json</c> and <c>tokenizer_config.json</c> files:
/// every input loads (and encodes and decodes) or fails with an <see cref="InvalidDataException"/> naming the file.
/// </summary>
public sealed class TokenizerJsonFuzzTests
{
    [Fact]
    public void Mutated_tokenizer_files_load_or_fail_with_an_InvalidDataException_naming_the_file()
    {
        byte[][] tokenizers =
        [
            Encoding.UTF8.GetBytes(MiniTokenizerJson.Create().ToJsonString()),
            Encoding.UTF8.GetBytes(MiniTokenizerJson.Create(mergesAsStrings: true).ToJsonString()),
        ];
        byte[] config = Encoding.UTF8.GetBytes("""{"eos_token":"<|im_end|>","pad_token":{"content":"<|endoftext|>"},"bos_token":null,"chat_template":[{"name":"default","template":"x"}]}""");
        using var dir = new TempDir();
        string tokenizerPath = dir.File(HfTokenizer.TokenizerFileName);
        string configPath = dir.File(HfTokenizer.ConfigFileName);
        byte[] currentConfig = config;
        var report = FuzzRunner.Run(
            "tokenizer-json",
            FuzzRunner.Iterations(1500),
            FuzzRunner.Seed(13),
            (m, i) =>
            {
                currentConfig = i % 5 == 0 ? Encoding.UTF8.GetBytes(m.MutateJson(Encoding.UTF8.GetString(config))) : config;
                byte[] seed = tokenizers[m.Random.Next(tokenizers.Length)];
                return i % 5 == 0 ? seed : i % 4 == 0 ? m.MutateBytes(seed, tokenizers) : Encoding.UTF8.GetBytes(m.MutateJson(Encoding.UTF8.GetString(seed)));
            },
            input =>
            {
                File.WriteAllBytes(tokenizerPath, input);
                File.WriteAllBytes(configPath, currentConfig);
                var tokenizer = HfTokenizer.Load(dir.Path);
                var ids = tokenizer.Encode("hello world<|im_end|>");
                Assert.NotEmpty(ids);
                _ = tokenizer.Decode(ids);
            },
            ex => ex is InvalidDataException
                ? (ex.Message.Contains(tokenizerPath, StringComparison.Ordinal) || ex.Message.Contains(configPath, StringComparison.Ordinal) ? null : "the message does not name the file")
                : $"{ex.GetType().Name} is not the documented InvalidDataException");

        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(InvalidDataException)) > report.Total / 10, report.ToString());
    }
}
