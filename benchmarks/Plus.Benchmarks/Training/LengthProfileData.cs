using Plus.Data;
using Plus.Prompts;
using Plus.Torch;
using Plus.Torch.Reward;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Benchmarks.Training;

/// <summary>
/// Generated preference pairs with the length profile of real multi-turn transcripts (issue 14): prompt + response
/// log-normal with a median of 191 tokens and a 90th percentile of 473 (σ = ln(473/191)/1.2816), a few over 1,024
/// (cut by the encoder's 1,024-token limit, as in real use). The text is Pets sentences, so the embedded tiny model's
/// tokenizer covers it; lengths are measured in that tokenizer's tokens.
/// </summary>
internal static class LengthProfileData
{
    /// <summary>The median of prompt + response, in tokens.</summary>
    public const double MedianTokens = 191;

    /// <summary>The 90th percentile of prompt + response, in tokens.</summary>
    public const double P90Tokens = 473;

    /// <summary>The embedded tiny Qwen2 as a reward model (fresh head), its tokenizer, ChatML, no conditioning, 1,024 tokens at most.</summary>
    public static ConditionedRewardModel TinyRewardModel(Device device, int batchSize = 16)
    {
        var (lm, tokenizer) = DefaultModels.LoadTinyQwen2(device);
        var encoder = new RewardTextEncoder(tokenizer, new ChatMlFormatter(), new ConditioningRenderer(new PromptRenderer(PromptDomain.Pets)), maxLength: 1024);
        return new ConditionedRewardModel(RewardModel.FromCausalLM(lm, headSeed: 3), encoder, batchSize);
    }

    /// <summary>
    /// <paramref name="count"/> pairs: for each a total length drawn from the profile, 55 % of it prompt (one to two
    /// user/assistant exchanges and a last user turn), the rest the chosen response; the rejected response is 0.7-1.3
    /// times as long. The text is rescaled (up to four tries) until the encoded prompt + chosen response, chat template
    /// included, is within 5 % of the drawn length.
    /// </summary>
    public static List<ConditionedPair> Pairs(ConditionedRewardModel model, int count, int seed)
    {
        var tokenizer = model.Encoder.Tokenizer;
        var rng = new Random(seed);
        var pool = Enum.GetValues<PetAnimal>().SelectMany(a => PetsSentences.Default[a]).ToArray();
        var lengths = pool.Select(s => tokenizer.Encode(" " + s).Count).ToArray();
        double sigma = Math.Log(P90Tokens / MedianTokens) / 1.2816;
        var pairs = new List<ConditionedPair>(count);
        for (int i = 0; i < count; i++)
        {
            double z = Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());
            int total = (int)Math.Clamp(MedianTokens * Math.Exp(sigma * z), 32, 1400);
            int turns = 1 + 2 * rng.Next(1, 3);
            double rejectedShare = 0.7 + 0.6 * rng.NextDouble();
            int pairSeed = rng.Next();
            double scale = 1;
            ConditionedPair pair = null!;
            for (int attempt = 0; attempt < 4; attempt++)
            {
                pair = Build(new Random(pairSeed), pool, lengths, total * scale, turns, rejectedShare);
                int measured = tokenizer.Encode(model.Encoder.RenderText(pair.ChosenQuery)).Count;
                if (Math.Abs(measured - total) <= 0.05 * total) break;
                scale *= (double)total / measured;
            }

            pairs.Add(pair);
        }

        return pairs;
    }

    /// <summary>Median and 90th percentile of the encoded prompt + chosen response lengths, and the longest query of all.</summary>
    public static (int Median, int P90, int Max) Profile(ConditionedRewardModel model, IReadOnlyList<ConditionedPair> pairs)
    {
        var chosen = pairs.Select(p => model.Encoder.Encode(p.ChosenQuery).TokenIds.Count).Order().ToArray();
        int max = pairs.Max(p => Math.Max(model.Encoder.Encode(p.ChosenQuery).TokenIds.Count, model.Encoder.Encode(p.RejectedQuery).TokenIds.Count));
        return (chosen[chosen.Length / 2], chosen[(int)(chosen.Length * 0.9)], max);
    }

    private static ConditionedPair Build(Random rng, string[] pool, int[] lengths, double total, int turns, double rejectedShare)
    {
        int promptTokens = (int)(total * 0.55);
        var turnList = new List<ChatTurn>();
        for (int t = 0; t < turns; t++)
        {
            string text = Text(rng, pool, lengths, Math.Max(3, promptTokens / turns));
            turnList.Add(t % 2 == 0 ? ChatTurn.User(text) : ChatTurn.Assistant(text));
        }

        int responseTokens = Math.Max(3, (int)total - promptTokens);
        string chosen = Text(rng, pool, lengths, responseTokens);
        string rejected = Text(rng, pool, lengths, Math.Max(3, (int)(responseTokens * rejectedShare)));
        var prompt = new Conversation(new ValueList<ChatTurn>(turnList));
        return new ConditionedPair(new PreferencePair(prompt, chosen, rejected), UserConditioning.None);
    }

    private static string Text(Random rng, string[] pool, int[] lengths, int tokens)
    {
        var words = new List<string>();
        int have = 0;
        while (have < tokens)
        {
            int k = rng.Next(pool.Length);
            var sentence = pool[k].Split(' ');
            int take = have + lengths[k] <= tokens ? sentence.Length : Math.Max(1, sentence.Length * (tokens - have) / lengths[k]);
            words.AddRange(sentence.Take(take));
            have += lengths[k] * take / sentence.Length + 1;
        }

        return string.Join(' ', words);
    }
}
