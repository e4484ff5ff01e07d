using Plus.Torch.Checkpoints;
using Plus.Torch.Tests.Modeling;

namespace Plus.Torch.Tests.Checkpoints;

public class DecoderConfigTests
{
    [Fact]
    public void Golden_configs_parse_with_the_new_rope_spelling()
    {
        var qwen = DecoderConfig.Load(GoldenFixtures.Dir("tiny-qwen2"));
        Assert.Equal("qwen2", qwen.ModelType);
        Assert.Equal(1e6, qwen.RopeTheta);
        Assert.True(qwen.TieWordEmbeddings);
        Assert.True(qwen.QkvBias);
        Assert.False(qwen.OutputProjectionBias);
        Assert.Equal(16, qwen.HeadDim);
        Assert.Equal([2], qwen.EosTokenIds);
        Assert.Equal(0, qwen.PadTokenId);
        Assert.Equal("float32", qwen.TorchDtype);

        var llama = DecoderConfig.Load(GoldenFixtures.Dir("tiny-llama"));
        Assert.Equal(1e4, llama.RopeTheta);
        Assert.Equal(1e-5, llama.RmsNormEps);
        Assert.False(llama.TieWordEmbeddings);
        Assert.False(llama.QkvBias);
        Assert.Equal(2, llama.NumKeyValueHeads);
    }

    [Fact]
    public void Old_spellings_and_eos_lists_are_read()
    {
        const string json = """
            {"model_type":"llama","hidden_size":64,"intermediate_size":128,"num_hidden_layers":1,"num_attention_heads":4,
             "vocab_size":100,"rope_theta":500000.0,"eos_token_id":[5,6],"torch_dtype":"bfloat16","attention_bias":true}
            """;
        var c = DecoderConfig.Parse(json, "x/config.json");
        Assert.Equal(500000.0, c.RopeTheta);
        Assert.Equal([5, 6], c.EosTokenIds);
        Assert.Equal(4, c.NumKeyValueHeads);
        Assert.Equal("bfloat16", c.TorchDtype);
        Assert.True(c.QkvBias);
        Assert.True(c.OutputProjectionBias);
    }

    [Fact]
    public void Writing_and_reading_back_keeps_every_field_and_unknown_keys()
    {
        var original = DecoderConfig.Load(GoldenFixtures.Dir("tiny-qwen2"));
        var back = DecoderConfig.Parse(original.ToJson("bfloat16"));
        Assert.Equal(original with { TorchDtype = "bfloat16", ExtraProperties = back.ExtraProperties, EosTokenIds = back.EosTokenIds }, back);
        Assert.Equal(original.EosTokenIds, back.EosTokenIds);
        Assert.Equal("silu", back.ExtraProperties["hidden_act"]!.GetValue<string>());
        Assert.Contains("\"architectures\"", original.ToJson(), StringComparison.Ordinal);
        Assert.Contains("Qwen2ForCausalLM", original.ToJson(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("{\"model_type\":\"gpt2\"}", "model_type 'gpt2'")]
    [InlineData("{\"model_type\":\"qwen2\",\"intermediate_size\":1,\"num_hidden_layers\":1,\"num_attention_heads\":1,\"vocab_size\":1}", "'hidden_size'")]
    [InlineData("{\"model_type\":\"qwen2\",\"hidden_size\":64,\"intermediate_size\":1,\"num_hidden_layers\":1,\"num_attention_heads\":3,\"num_key_value_heads\":2,\"vocab_size\":1}", "num_key_value_heads")]
    [InlineData("{\"model_type\":\"llama\",\"hidden_size\":64,\"intermediate_size\":1,\"num_hidden_layers\":1,\"num_attention_heads\":4,\"vocab_size\":1,\"rope_parameters\":{\"rope_type\":\"yarn\",\"rope_theta\":1}}", "yarn")]
    [InlineData("not json", "not valid JSON")]
    public void Invalid_configs_fail_naming_the_file_and_key(string json, string expected)
    {
        var ex = Assert.Throws<CheckpointException>(() => DecoderConfig.Parse(json, "some/dir/config.json"));
        Assert.Contains(expected, ex.Message);
        Assert.Contains("some/dir/config.json", ex.Message);
    }
}
