using System.Text.Json.Nodes;
using Plus.Torch.Checkpoints;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using Plus.Torch.Reward;
using Plus.Torch.Tests.Checkpoints;
using Plus.Torch.Tests.Modeling;
using static TorchSharp.torch;

namespace Plus.Torch.Tests.Reward;

public class RewardModelTests
{
    private const string Golden = "tiny-qwen2-rm";

    [Theory]
    [InlineData("right", false)]
    [InlineData("left", true)]
    [InlineData("left", false)]
    public void Scores_match_transformers_sequence_classification_within_1e4(string side, bool passPositions)
    {
        using var scope = NewDisposeScope();
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        var ids = GoldenFixtures.Expected(Golden, side + "_input_ids");
        var mask = GoldenFixtures.Expected(Golden, side + "_attention_mask");
        var positions = passPositions ? GoldenFixtures.Expected(Golden, side + "_position_ids") : null;
        var expected = GoldenFixtures.Expected(Golden, side + "_scores").squeeze(-1);

        using var noGrad = no_grad();
        var scores = model.Forward(ids, mask, positions);

        Assert.Equal(new long[] { 3 }, scores.shape);
        Assert.Equal(ScalarType.Float32, scores.dtype);
        float diff = (scores - expected).abs().max().item<float>();
        Assert.True(diff <= 1e-4f, $"{side}: max |Δ| = {diff}; got [{string.Join(", ", scores.data<float>().ToArray())}]");
    }

    [Fact]
    public void Last_attended_index_handles_left_right_and_pad_equal_to_eos()
    {
        using var scope = NewDisposeScope();
        var mask = tensor(new long[,] { { 1, 1, 1, 0, 0 }, { 0, 0, 1, 1, 1 }, { 1, 1, 1, 1, 1 }, { 0, 1, 1, 0, 0 } });
        Assert.Equal(new long[] { 2, 4, 4, 2 }, RewardModel.LastAttendedIndex(mask).data<long>().ToArray());
        Assert.Equal(new long[] { 2, 4, 4, 2 }, RewardModel.LastAttendedIndex(mask.to(ScalarType.Bool)).data<long>().ToArray());
    }

    [Fact]
    public void Pad_id_equal_to_the_last_token_does_not_move_the_read_position()
    {
        using var scope = NewDisposeScope();
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        // Row ends with token 7, and 7 is also used as padding: the mask, not the id, decides.
        var alone = tensor(new long[,] { { 11, 12, 13, 7 } });
        var padded = tensor(new long[,] { { 11, 12, 13, 7, 7, 7 } });
        var mask = tensor(new long[,] { { 1, 1, 1, 1, 0, 0 } });
        using var noGrad = no_grad();
        float a = model.Forward(alone).item<float>();
        float b = model.Forward(padded, mask).item<float>();
        Assert.True(Math.Abs(a - b) <= 1e-5f, $"{a} vs {b}");
    }

    [Fact]
    public void A_score_does_not_depend_on_the_batch_or_its_padding()
    {
        using var scope = NewDisposeScope();
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        long[][] rows = [[5, 9, 22, 31, 4], [17, 3], [40, 41, 42, 43, 44, 45, 46, 47, 48], [8]];
        using var noGrad = no_grad();
        var alone = rows.Select(r => model.Forward(tensor(r).unsqueeze(0)).item<float>()).ToArray();
        foreach (bool left in new[] { false, true })
        {
            foreach (int extra in new[] { 0, 3 })
            {
                var (ids, mask) = Pad(rows, left, extra, padId: 0);
                var scores = model.Forward(ids, mask).data<float>().ToArray();
                for (int i = 0; i < rows.Length; i++)
                {
                    Assert.True(Math.Abs(scores[i] - alone[i]) <= 2e-5f, $"row {i} left={left} extra={extra}: {scores[i]} vs {alone[i]}");
                }
            }
        }

        // A sub-batch gives the same scores as the full one.
        var (twoIds, twoMask) = Pad(rows[1..3], left: true, extra: 0, padId: 0);
        var two = model.Forward(twoIds, twoMask).data<float>().ToArray();
        Assert.True(Math.Abs(two[0] - alone[1]) <= 2e-5f && Math.Abs(two[1] - alone[2]) <= 2e-5f);
    }

    [Fact]
    public void Token_scores_at_the_last_attended_token_equal_the_sequence_score()
    {
        using var scope = NewDisposeScope();
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        var ids = GoldenFixtures.Expected(Golden, "right_input_ids");
        var mask = GoldenFixtures.Expected(Golden, "right_attention_mask");
        using var noGrad = no_grad();
        var perToken = model.ForwardTokenScores(ids, mask);
        var picked = perToken.gather(1, RewardModel.LastAttendedIndex(mask).unsqueeze(1)).squeeze(1);
        Assert.True((picked - model.Forward(ids, mask)).abs().max().item<float>() <= 1e-6f);
        Assert.Equal(ids.shape, perToken.shape);
    }

    [Fact]
    public void Save_pretrained_round_trips_and_writes_a_sequence_classification_config()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        model.SavePretrained(dir.Path);
        using var reloaded = RewardModel.FromPretrained(dir.Path);
        var ids = GoldenFixtures.Expected(Golden, "left_input_ids");
        var mask = GoldenFixtures.Expected(Golden, "left_attention_mask");

        using var noGrad = no_grad();
        Assert.True((model.Forward(ids, mask) - reloaded.Forward(ids, mask)).abs().max().item<float>() == 0f);
        var config = JsonNode.Parse(File.ReadAllText(Path.Combine(dir.Path, "config.json")))!;
        Assert.Equal("Qwen2ForSequenceClassification", (string?)config["architectures"]![0]);
        Assert.Equal("LABEL_0", (string?)config["id2label"]!["0"]);
        using var file = SafetensorsFile.Open(Path.Combine(dir.Path, "model.safetensors"));
        Assert.Contains("score.weight", file.Tensors.Keys);
        Assert.Contains("model.layers.1.mlp.down_proj.weight", file.Tensors.Keys);
        Assert.DoesNotContain(file.Tensors.Keys, k => k.StartsWith("lm_head", StringComparison.Ordinal) || k.StartsWith("backbone", StringComparison.Ordinal));
    }

    [Fact]
    public void A_causal_lm_folder_needs_a_head_seed()
    {
        var ex = Assert.Throws<CheckpointException>(() => RewardModel.FromPretrained(GoldenFixtures.Dir("tiny-llama")));
        Assert.Contains("score.weight", ex.Message, StringComparison.Ordinal);
        Assert.Contains("newHeadSeed", ex.Message, StringComparison.Ordinal);
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir("tiny-llama"), newHeadSeed: 5);
        Assert.Equal(new long[] { 1, 64 }, model.ScoreWeight.shape);
        Assert.False(model.Config.TieWordEmbeddings);
    }

    [Fact]
    public void A_multi_label_head_is_rejected_naming_the_tensor()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        using (var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden)))
        {
            model.SavePretrained(dir.Path);
        }

        using (var checkpoint = SafetensorsCheckpoint.Open(dir.Path))
        {
            var tensors = checkpoint.TensorNames.ToDictionary(n => n, n => checkpoint.ReadTensor(n));
            tensors["score.weight"] = zeros(2, 64);
            SafetensorsWriter.Write(Path.Combine(dir.Path, "model.safetensors"), tensors);
        }

        var ex = Assert.Throws<CheckpointException>(() => RewardModel.FromPretrained(dir.Path));
        Assert.Equal("score.weight", ex.TensorName);
        Assert.Contains("[2, 64]", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Lora_reward_model_saves_the_head_in_modules_to_save_and_loads_back()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        var ids = GoldenFixtures.Expected(Golden, "right_input_ids");
        var mask = GoldenFixtures.Expected(Golden, "right_attention_mask");
        Tensor expected;
        using (var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden)))
        {
            var lora = model.EnableLora(new LoraSettings { Rank = 2, Alpha = 4, TargetModules = ["q_proj", "v_proj"] }, seed: 1);
            Assert.Contains(RewardModel.ScoreModuleName, lora.Settings.ModulesToSave);
            var trainable = model.TrainableParameters().Select(p => p.Name).ToList();
            Assert.Contains("score.weight", trainable);
            Assert.All(trainable.Where(n => n != "score.weight"), n => Assert.Contains(".lora_", n, StringComparison.Ordinal));
            using (var noGrad = no_grad())
            {
                foreach (var p in lora.Parameters) p.add_(0.05);
                model.ScoreWeight.mul_(-2);
                expected = model.Forward(ids, mask);
            }

            model.SaveAdapter(dir.Path, "tiny-qwen2-rm");
        }

        using var weights = SafetensorsFile.Open(Path.Combine(dir.Path, LoraAdapter.WeightsFileName));
        Assert.Contains("base_model.model.score.weight", weights.Tensors.Keys);
        var config = PeftAdapterConfig.Load(dir.Path);
        Assert.Equal("SEQ_CLS", config.TaskType);
        Assert.Equal(["score"], config.Settings.ModulesToSave);

        using var reloaded = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        reloaded.LoadAdapter(dir.Path);
        using var noGrad2 = no_grad();
        Assert.True((reloaded.Forward(ids, mask) - expected).abs().max().item<float>() <= 1e-6f);
    }

    [Fact]
    public void Merged_copy_and_merged_save_score_like_the_adapter_model()
    {
        using var scope = NewDisposeScope();
        using var dir = new TempDir();
        using var model = RewardModel.FromPretrained(GoldenFixtures.Dir(Golden));
        var lora = model.EnableLora(new LoraSettings { Rank = 2, Alpha = 4 }, seed: 1);
        using (no_grad())
        {
            foreach (var p in lora.Parameters) p.add_(0.05);
        }

        var ids = GoldenFixtures.Expected(Golden, "left_input_ids");
        var mask = GoldenFixtures.Expected(Golden, "left_attention_mask");
        using var copy = model.CreateMergedCopy();
        model.SavePretrained(dir.Path);
        using var saved = RewardModel.FromPretrained(dir.Path);

        using var noGrad = no_grad();
        var expected = model.Forward(ids, mask);
        Assert.True((copy.Forward(ids, mask) - expected).abs().max().item<float>() <= 1e-4f);
        Assert.True((saved.Forward(ids, mask) - expected).abs().max().item<float>() <= 1e-4f);
        Assert.Null(copy.Lora);
        Assert.All(copy.parameters(), p => Assert.True(p.requires_grad));
        // The copy is independent: changing it leaves the original alone.
        copy.ScoreWeight.zero_();
        Assert.True(model.ScoreWeight.abs().sum().item<float>() > 0);
    }

    private static (Tensor Ids, Tensor Mask) Pad(long[][] rows, bool left, int extra, long padId)
    {
        int width = rows.Max(r => r.Length) + extra;
        var ids = new long[rows.Length, width];
        var mask = new long[rows.Length, width];
        for (int i = 0; i < rows.Length; i++)
        {
            int offset = left ? width - rows[i].Length : 0;
            for (int j = 0; j < width; j++) ids[i, j] = padId;
            for (int j = 0; j < rows[i].Length; j++)
            {
                ids[i, offset + j] = rows[i][j];
                mask[i, offset + j] = 1;
            }
        }

        return (tensor(ids), tensor(mask));
    }
}
