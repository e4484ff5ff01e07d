using System.Text.Json.Nodes;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Tokenization;

/// <summary>A hand-made byte-level BPE tokenizer.json: the 256-byte alphabet, a few merges, two added tokens.</summary>
internal static class MiniTokenizerJson
{
    public static readonly (string, string)[] MergeList = [("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("Ġ", "w"), ("o", "r"), ("Ġw", "or")];

    public static JsonObject Create(bool mergesAsStrings = false)
    {
        var vocab = new JsonObject();
        int id = 0;
        foreach (char c in ByteLevelAlphabet.Characters)
        {
            vocab[c.ToString()] = id++;
        }

        var merges = new JsonArray();
        foreach (var (a, b) in MergeList)
        {
            vocab[a + b] = id++;
            merges.Add(mergesAsStrings ? JsonValue.Create(a + " " + b) : new JsonArray(a, b));
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["truncation"] = null,
            ["padding"] = null,
            ["added_tokens"] = new JsonArray(
                new JsonObject { ["id"] = id, ["content"] = "<|endoftext|>", ["special"] = true },
                new JsonObject { ["id"] = id + 1, ["content"] = "<|im_end|>", ["special"] = true }),
            ["normalizer"] = null,
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject { ["type"] = "Split", ["pattern"] = new JsonObject { ["Regex"] = TokenizerDefinition.Gpt2SplitPattern }, ["behavior"] = "Isolated", ["invert"] = false },
                    new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["trim_offsets"] = false, ["use_regex"] = false }),
            },
            ["post_processor"] = null,
            ["decoder"] = new JsonObject { ["type"] = "ByteLevel" },
            ["model"] = new JsonObject { ["type"] = "BPE", ["vocab"] = vocab, ["merges"] = merges },
        };
    }

    /// <summary>Writes the JSON (and optionally a config) into a new temporary folder and returns the folder.</summary>
    public static string WriteToTemp(JsonObject tokenizer, string? configJson = null)
    {
        string dir = TempDirectory.Create();
        File.WriteAllText(Path.Combine(dir, "tokenizer.json"), tokenizer.ToJsonString());
        if (configJson is not null)
        {
            File.WriteAllText(Path.Combine(dir, "tokenizer_config.json"), configJson);
        }

        return dir;
    }
}
