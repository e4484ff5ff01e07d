using Plus.Torch.Chat;
using Plus.Torch.Checkpoints;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;

namespace Plus.Torch.Tests.Chat;

/// <summary>A prompt plus MaxNewTokens beyond the model's max_position_embeddings is refused with a clear error, not run past the limit.</summary>
public sealed class TextGeneratorPositionLimitTests
{
    [Fact]
    public void A_prompt_and_new_tokens_beyond_max_position_embeddings_are_refused_naming_the_limit()
    {
        var config = DecoderConfig.Load(Path.Combine(TinyChatFixture.Directory, "config.json")) with { MaxPositionEmbeddings = 24 };
        using var model = CausalLM.Create(config, seed: 1);
        var tokenizer = HfTokenizer.Load(TinyChatFixture.Directory);
        var generator = new TextGenerator(model, tokenizer);
        string prompt = "the cat sat on the mat";
        int promptTokens = tokenizer.Encode(prompt).Count;
        Assert.InRange(promptTokens, 2, 20);

        int fits = 24 - promptTokens;
        var ok = generator.GenerateText([prompt], new TextGenerationOptions { Generation = new GenerationOptions { MaxNewTokens = fits }, StopAtEndOfTurn = false });
        Assert.Single(ok);

        var ex = Assert.Throws<ArgumentException>(() => generator.GenerateText([prompt], new TextGenerationOptions { Generation = new GenerationOptions { MaxNewTokens = fits + 1 } }));
        Assert.Contains("max_position_embeddings", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"{promptTokens} tokens", ex.Message, StringComparison.Ordinal);
        Assert.Contains("24 positions", ex.Message, StringComparison.Ordinal);

        // MaxPromptTokens keeps the prompt's last tokens, which makes room.
        var capped = generator.GenerateText([prompt], new TextGenerationOptions { Generation = new GenerationOptions { MaxNewTokens = 22 }, MaxPromptTokens = 2 });
        Assert.Single(capped);
    }
}
