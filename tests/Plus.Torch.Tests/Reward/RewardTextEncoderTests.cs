using Plus.Data;
using Plus.Torch.Reward;

namespace Plus.Torch.Tests.Reward;

public class RewardTextEncoderTests
{
    private static readonly Conversation Prompt = Conversation.FromUser(PetsDatasetBuilder.PromptText);

    [Fact]
    public void Btl_text_is_the_chat_formatted_prompt_and_response_ending_on_im_end()
    {
        var encoder = RewardFixture.Encoder();
        string text = encoder.RenderText(new RewardQuery(Prompt, "Dogs are loyal companions.", UserConditioning.None));
        Assert.Equal(
            "<|im_start|>user\nPlease talk about one kind of pets.<|im_end|>\n<|im_start|>assistant\nDogs are loyal companions.<|im_end|>",
            text);
        var ids = encoder.Encode(new RewardQuery(Prompt, "Dogs are loyal companions.", UserConditioning.None)).TokenIds;
        Assert.Equal(encoder.Tokenizer.TokenToId("<|im_end|>"), ids[^1]);
    }

    [Fact]
    public void Subject_lines_give_a_summarys_subject_the_tokens_of_a_response_about_it_and_keep_the_summary_as_written()
    {
        var tokenizer = global::Plus.Torch.Tokenization.HfTokenizer.Load(global::Plus.Torch.DefaultModels.ExtractTinyQwen2());
        var summary = UserSummary.FromUser("The user chose Rabbits and rejected Birds.");
        var query = new RewardQuery(Prompt, "Rabbits are gentle.", UserConditioning.FromSummary(summary));
        var lines = new RewardTextEncoder(tokenizer, RewardFixture.ChatMl, RewardFixture.PetsRenderer, subjectLines: true);
        var plain = new RewardTextEncoder(tokenizer, RewardFixture.ChatMl, RewardFixture.PetsRenderer);
        Assert.True(lines.SubjectLines);
        Assert.False(plain.SubjectLines);
        Assert.Contains("The user chose\nRabbits and rejected\nBirds.", lines.RenderText(query), StringComparison.Ordinal);
        Assert.Contains("The user chose Rabbits and rejected Birds.", plain.RenderText(query), StringComparison.Ordinal);
        Assert.Equal("The user chose Rabbits and rejected Birds.", summary.Text);
        // The sentence's first word and words after a newline are left as they are; Oracle texts are laid out too.
        var oracle = new RewardQuery(Prompt, "Birds sing.", UserConditioning.FromOracle("Likes Birds, not Rabbits."));
        Assert.Contains("Likes\nBirds, not\nRabbits.", lines.RenderText(oracle), StringComparison.Ordinal);

        // "\nRabbits" (Ċ|R|ab|bits on the embedded tokenizer) now occurs in the summary as well as at the response's start.
        var word = tokenizer.Encode("\nRabbits");
        int Occurrences(IReadOnlyList<int> ids) => Enumerable.Range(0, ids.Count - word.Count + 1).Count(i => ids.Skip(i).Take(word.Count).SequenceEqual(word));
        Assert.Equal(2, Occurrences(lines.Encode(query).TokenIds));
        Assert.Equal(1, Occurrences(plain.Encode(query).TokenIds));
    }

    [Fact]
    public void Every_conditioning_kind_goes_through_the_core_renderer_into_the_user_turn()
    {
        var encoder = RewardFixture.Encoder();
        var pair = new PreferencePair(Prompt, "Cats are curious.", "Dogs bark.");
        var context = new UserContext(new ValueList<PreferencePair>([pair]));
        var cases = new (UserConditioning Conditioning, string Expected)[]
        {
            (UserConditioning.FromSummary(UserSummary.FromUser("Prefers cats")), "Here is the summary of my preferences based on previous conversations: Prefers cats."),
            (UserConditioning.FromContext(context), "The user chose Cats are curious. The user rejected Dogs bark."),
            (UserConditioning.FromOracle("This user prefers cats over dogs."), "This user prefers cats over dogs.\n\nPlease talk about one kind of pets."),
        };
        foreach (var (conditioning, expected) in cases)
        {
            string text = encoder.RenderText(new RewardQuery(Prompt, "Cats nap.", conditioning));
            var conditioned = RewardFixture.PetsRenderer.Render(Prompt, conditioning);
            string manual = RewardFixture.ChatMl.Format([.. conditioned.Turns, ChatTurn.Assistant("Cats nap.")], addGenerationPrompt: false).TrimEnd('\n');
            Assert.Equal(manual, text);
            Assert.StartsWith("<|im_start|>user\n", text, StringComparison.Ordinal);
            Assert.Contains(expected, text, StringComparison.Ordinal);
            Assert.EndsWith("<|im_start|>assistant\nCats nap.<|im_end|>", text, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Short_queries_are_not_truncated_and_are_counted()
    {
        var encoder = RewardFixture.Encoder();
        var encoding = encoder.Encode(new RewardQuery(Prompt, "Birds sing.", UserConditioning.None));
        Assert.False(encoding.Truncated);
        Assert.Equal(new RewardTruncationStats(1, 0, 0, 0, 0, 0), encoder.Statistics);
    }

    [Fact]
    public void Icl_truncation_drops_the_oldest_pairs_and_keeps_prefix_newest_pairs_and_response()
    {
        var pairs = Enumerable.Range(0, 6)
            .Select(i => new PreferencePair(Prompt, $"Cats sentence number {i} is here.", $"Dogs sentence number {i} is here."))
            .ToArray();
        var query = new RewardQuery(Prompt, "Cats nap in the sun.", UserConditioning.FromContext(new UserContext(new ValueList<PreferencePair>(pairs))));
        var unlimited = RewardFixture.Encoder(maxLength: 4096);
        int full = unlimited.Encode(query).TokenIds.Count;
        var twoPairs = new RewardQuery(query.Prompt, query.Response, UserConditioning.FromContext(new UserContext(new ValueList<PreferencePair>(pairs[4..]))));
        int withTwo = unlimited.Encode(twoPairs).TokenIds.Count;

        var encoder = RewardFixture.Encoder(maxLength: withTwo);
        var encoding = encoder.Encode(query);
        string text = encoder.Tokenizer.Decode(encoding.TokenIds);

        Assert.True(full > withTwo);
        Assert.Equal(4, encoding.DroppedContextPairs);
        Assert.False(encoding.HardCut);
        Assert.Equal(withTwo, encoding.TokenIds.Count);
        Assert.DoesNotContain("number 3 ", text, StringComparison.Ordinal);
        Assert.Contains("Cats sentence number 4 is here.", text, StringComparison.Ordinal);
        Assert.Contains("Cats sentence number 5 is here.", text, StringComparison.Ordinal);
        Assert.StartsWith("<|im_start|>user\nBased on the user's past conversation", text, StringComparison.Ordinal);
        Assert.EndsWith("Cats nap in the sun.<|im_end|>", text, StringComparison.Ordinal);
        Assert.Equal(new RewardTruncationStats(1, 1, 4, 0, 0, 0), encoder.Statistics);
    }

    [Fact]
    public void Multi_turn_prompts_lose_their_oldest_turns_first_keeping_system_and_last_user_turn()
    {
        var turns = new List<ChatTurn> { ChatTurn.System("Be brief.") };
        for (int i = 0; i < 5; i++)
        {
            turns.Add(ChatTurn.User($"Old question {i} about pets and their habits?"));
            turns.Add(ChatTurn.Assistant($"Old answer {i} about pets and their habits."));
        }

        turns.Add(ChatTurn.User("Which pet suits a flat?"));
        var prompt = new Conversation(new ValueList<ChatTurn>(turns));
        var query = new RewardQuery(prompt, "Cats suit a flat.", UserConditioning.FromOracle("This user prefers cats over dogs."));
        var shortQuery = new RewardQuery(
            new Conversation(new ValueList<ChatTurn>([turns[0], .. turns[^3..]])), query.Response, query.Conditioning);
        int limit = RewardFixture.Encoder(maxLength: 4096).Encode(shortQuery).TokenIds.Count;

        var encoder = RewardFixture.Encoder(maxLength: limit);
        var encoding = encoder.Encode(query);
        string text = encoder.Tokenizer.Decode(encoding.TokenIds);

        Assert.Equal(8, encoding.DroppedPromptTurns);
        Assert.False(encoding.PromptMiddleCut);
        Assert.StartsWith("<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nThis user prefers cats over dogs.", text, StringComparison.Ordinal);
        Assert.Contains("Old question 4", text, StringComparison.Ordinal);
        Assert.DoesNotContain("Old question 3", text, StringComparison.Ordinal);
        Assert.EndsWith("Which pet suits a flat?<|im_end|>\n<|im_start|>assistant\nCats suit a flat.<|im_end|>", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_long_prompt_is_cut_in_the_middle_keeping_its_ends_the_conditioning_and_the_response()
    {
        string longPrompt = "Start of the question. " + string.Join(" ", Enumerable.Repeat("Cats and dogs play together.", 60)) + " End of the question?";
        var query = new RewardQuery(Conversation.FromUser(longPrompt), "Dogs are loyal.", UserConditioning.FromSummary(UserSummary.FromUser("likes dogs")));
        var encoder = RewardFixture.Encoder(maxLength: 96);
        var encoding = encoder.Encode(query);
        string text = encoder.Tokenizer.Decode(encoding.TokenIds);

        Assert.True(encoding.PromptMiddleCut);
        Assert.False(encoding.HardCut);
        Assert.True(encoding.TokenIds.Count <= 96);
        Assert.StartsWith("<|im_start|>user\nHere is the summary of my preferences based on previous conversations: likes dogs.", text, StringComparison.Ordinal);
        Assert.Contains("Start of the question.", text, StringComparison.Ordinal);
        Assert.Contains(" ... ", text, StringComparison.Ordinal);
        Assert.Contains("End of the question?", text, StringComparison.Ordinal);
        Assert.EndsWith("<|im_start|>assistant\nDogs are loyal.<|im_end|>", text, StringComparison.Ordinal);
        Assert.Equal(1, encoder.Statistics.MiddleCuts);
    }

    [Fact]
    public void A_response_longer_than_the_limit_forces_a_hard_cut_that_keeps_the_end()
    {
        string response = string.Join(" ", Enumerable.Repeat("Rabbits hop around in fields.", 40));
        var query = new RewardQuery(Prompt, response, UserConditioning.None);
        var encoder = RewardFixture.Encoder(maxLength: 32);
        var full = RewardFixture.Encoder(maxLength: 4096).Encode(query).TokenIds;
        var encoding = encoder.Encode(query);

        Assert.True(encoding.HardCut);
        Assert.Equal(full.Skip(full.Count - 32), encoding.TokenIds);
        Assert.Equal(1, encoder.Statistics.HardCuts);
        Assert.Equal(1.0, encoder.Statistics.TruncatedFraction);
        encoder.ResetStatistics();
        Assert.Equal(new RewardTruncationStats(0, 0, 0, 0, 0, 0), encoder.Statistics);
    }

    [Fact]
    public void A_prompt_without_a_user_turn_cannot_carry_conditioning()
    {
        var prompt = new Conversation(new ValueList<ChatTurn>([ChatTurn.System("Only a system turn.")]));
        var encoder = RewardFixture.Encoder();
        Assert.Throws<ArgumentException>(() => encoder.Encode(new RewardQuery(prompt, "x", UserConditioning.FromOracle("likes cats"))));
    }
}
