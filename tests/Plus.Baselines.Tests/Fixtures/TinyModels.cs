using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using Plus.Torch.Training;

namespace Plus.Baselines.Tests.Fixtures;

/// <summary>
/// The repository's tiny random chat model (<c>tests/fixtures/tiny-chat</c>: Qwen2, hidden 32, 2 layers) as a reward
/// backbone, with a Pets text encoder and small deterministic Pets data — the minimal pieces of Plus.Torch.Tests'
/// RewardFixture that the baseline tests need.
/// </summary>
internal static class TinyModels
{
    public static readonly string ModelDir = Path.Combine(AppContext.BaseDirectory, "fixtures", "tiny-chat");

    private static readonly Lazy<HfTokenizer> LazyTokenizer = new(() => HfTokenizer.Load(ModelDir));

    public static HfTokenizer Tokenizer => LazyTokenizer.Value;

    public static RewardTextEncoder Encoder(int maxLength = 256) =>
        new(Tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets)), maxLength);

    /// <summary>A reward model on the tiny backbone (fully trainable) with a fresh scalar head.</summary>
    public static ConditionedRewardModel BaseRewardModel(long headSeed = 1) =>
        new(RewardModel.FromPretrained(ModelDir, newHeadSeed: headSeed), Encoder());

    /// <summary>A small Pets split (deterministic).</summary>
    public static DatasetSplit SmallPets(int train = 32, int seed = 0) =>
        new PetsDatasetBuilder(new PetsDatasetOptions { TrainExamples = train, TestExamples = 0, OodTestExamples = 0, Seed = seed }).Build();

    /// <summary>Training pairs without user information (BTL, DPL).</summary>
    public static ConditionedPair[] Unconditioned(IEnumerable<PreferenceExample> examples) =>
        [.. examples.Select(e => new ConditionedPair(e.Target, UserConditioning.None))];

    /// <summary>Training pairs conditioned on the user's context (ICL, VPL).</summary>
    public static ConditionedPair[] WithContext(IEnumerable<PreferenceExample> examples) =>
        [.. examples.Select(e => new ConditionedPair(e.Target, UserConditioning.FromContext(e.Context)))];

    /// <summary>A checkpoint directory written by <see cref="CheckpointStore"/> with whatever <paramref name="write"/> puts in it.</summary>
    public static CheckpointReader SaveCheckpoint(string root, Action<CheckpointWriter> write)
    {
        var store = new CheckpointStore(root);
        string path = store.Save(new TrainerState { Step = 1 }, write);
        return new CheckpointReader(path);
    }

    /// <summary>A fresh temporary directory, deleted on dispose.</summary>
    public sealed class TempDir : IDisposable
    {
        public TempDir() => System.IO.Directory.CreateDirectory(Path);

        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "plus-baselines-" + Guid.NewGuid().ToString("N"));

        public void Dispose()
        {
            try
            {
                System.IO.Directory.Delete(Path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
