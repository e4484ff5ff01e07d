using System.Text.Json.Nodes;
using Plus.Prompts;
using Plus.Torch.Reward;

namespace Plus.Torch.Tests.Reward;

/// <summary>The reward encoder never feeds a model more tokens than its max_position_embeddings.</summary>
public sealed class RewardEncoderPositionCapTests
{
    private static RewardQuery LongQuery(string response) => new(
        Conversation.FromUser("Start of the question. " + string.Join(" ", Enumerable.Repeat("Cats and dogs play together.", 40)) + " End of the question?"),
        response,
        UserConditioning.FromSummary(UserSummary.FromUser("likes dogs")));

    [Fact]
    public void Building_a_model_with_fewer_positions_caps_the_encoders_max_length_and_inputs_fit_keeping_the_response()
    {
        using var model = new ConditionedRewardModel(
            RewardModel.Create(RewardFixture.TinyConfig() with { MaxPositionEmbeddings = 64 }, 3), RewardFixture.Encoder(maxLength: 512));
        Assert.Equal(64, model.Encoder.MaxLength);
        Assert.Equal(512, model.Encoder.RequestedMaxLength);

        var encoding = model.Encoder.Encode(LongQuery("Dogs are loyal."));
        Assert.True(encoding.Truncated);
        Assert.InRange(encoding.TokenIds.Count, 1, 64);
        Assert.EndsWith("Dogs are loyal.<|im_end|>", model.Encoder.Tokenizer.Decode(encoding.TokenIds), StringComparison.Ordinal);
        Assert.True(float.IsFinite(model.Score([LongQuery("Cats nap.")])[0]));
    }

    [Fact]
    public void A_max_length_within_the_models_positions_is_kept()
    {
        using var model = new ConditionedRewardModel(
            RewardModel.Create(RewardFixture.TinyConfig() with { MaxPositionEmbeddings = 64 }, 3), RewardFixture.Encoder(maxLength: 48));
        Assert.Equal(48, model.Encoder.MaxLength);
        Assert.Equal(48, model.Encoder.RequestedMaxLength);
        var encoder = RewardFixture.Encoder(maxLength: 96);
        Assert.Equal(96, encoder.MaxLength); // no model, no cap
    }

    [Fact]
    public void The_factory_caps_the_configured_max_sequence_length_at_the_folders_max_position_embeddings()
    {
        string folder = Path.Combine(Path.GetTempPath(), "plus-rm-positions-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string source = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");
            foreach (var file in Directory.GetFiles(source)) File.Copy(file, Path.Combine(folder, Path.GetFileName(file)));
            string configPath = Path.Combine(folder, "config.json");
            var config = JsonNode.Parse(File.ReadAllText(configPath))!.AsObject();
            config["max_position_embeddings"] = 64;
            File.WriteAllText(configPath, config.ToJsonString());

            var factory = new ConditionedRewardModelFactory(
                new TorchBackendOptions { ModelPath = folder, MaxSequenceLength = 1024 },
                new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets)));
            using var model = factory.Create();
            Assert.Equal(64, model.Encoder.MaxLength);
            Assert.Equal(1024, model.Encoder.RequestedMaxLength);
            Assert.InRange(model.Encoder.Encode(LongQuery("Dogs are loyal.")).TokenIds.Count, 1, 64);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
