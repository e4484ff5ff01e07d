using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Checkpoints;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Tests.Tokenization;

namespace Plus.Torch.Tests.Reward;

/// <summary>
/// Shared pieces for reward tests: the Pets prompts, a small Qwen tokenizer subset covering the Pets corpus and the
/// Pets templates (built once), and tiny random reward models over it.
/// </summary>
internal static class RewardFixture
{
    private static readonly Lazy<HfTokenizer> LazyPetsTokenizer = new(BuildPetsTokenizer);

    public static ConditioningRenderer PetsRenderer { get; } = new(new PromptRenderer(PromptDomain.Pets));

    public static ChatMlFormatter ChatMl { get; } = new();

    /// <summary>The full Qwen tokenizer of the fixture.</summary>
    public static HfTokenizer Full => QwenFixture.Full;

    /// <summary>A subset of the Qwen tokenizer covering every Pets sentence and the Pets reward-model templates.</summary>
    public static HfTokenizer PetsTokenizer => LazyPetsTokenizer.Value;

    public static RewardTextEncoder Encoder(HfTokenizer? tokenizer = null, int maxLength = 512) =>
        new(tokenizer ?? PetsTokenizer, ChatMl, PetsRenderer, maxLength);

    /// <summary>A tiny Qwen2 architecture over the Pets tokenizer.</summary>
    public static DecoderConfig TinyConfig(int hidden = 32, int layers = 2) => new()
    {
        ModelType = "qwen2",
        HiddenSize = hidden,
        IntermediateSize = hidden * 2,
        NumHiddenLayers = layers,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDim = hidden / 4,
        VocabSize = PetsTokenizer.VocabSize,
        TieWordEmbeddings = true,
        QkvBias = true,
        MaxPositionEmbeddings = 1024,
        RopeTheta = 10000,
    };

    public static ConditionedRewardModel TinyModel(long seed = 7, int hidden = 32, int layers = 2, int batchSize = 16, int maxLength = 512) =>
        new(RewardModel.Create(TinyConfig(hidden, layers), seed), Encoder(maxLength: maxLength), batchSize);

    /// <summary>A small Pets data set (deterministic).</summary>
    public static DatasetSplit SmallPets(int train = 64, int test = 32, int seed = 0) =>
        new PetsDatasetBuilder(new PetsDatasetOptions { TrainExamples = train, TestExamples = test, OodTestExamples = 0, Seed = seed }).Build();

    private static HfTokenizer BuildPetsTokenizer()
    {
        var corpus = new List<string>();
        foreach (var animal in Enum.GetValues<PetAnimal>()) corpus.AddRange(PetsSentences.Default[animal]);
        var encoder = new RewardTextEncoder(Full, ChatMl, PetsRenderer, 8192);
        var sample = SmallPets(8, 0).Train;
        foreach (var example in sample.Take(2))
        {
            foreach (var kind in new[] { ConditioningKind.None, ConditioningKind.Context, ConditioningKind.Oracle })
            {
                corpus.Add(encoder.RenderText(new RewardQuery(example.Target.Prompt, example.Target.Chosen, Plus.Inference.PreferenceConditioning.For(example, kind))));
            }
        }

        corpus.Add(PetsDatasetBuilder.OraclePreference(PetAnimal.Dog, PetAnimal.Cat));
        corpus.Add(PetsDatasetBuilder.OraclePreference(PetAnimal.Cat, PetAnimal.Dog));
        corpus.Add(PetsDatasetBuilder.OraclePreference(PetAnimal.Rabbit, PetAnimal.Bird));
        corpus.Add(PetsDatasetBuilder.OraclePreference(PetAnimal.Bird, PetAnimal.Rabbit));
        return TokenizerSubsetBuilder.Build(Full, corpus);
    }
}
