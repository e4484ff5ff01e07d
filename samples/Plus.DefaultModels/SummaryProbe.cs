using System.Globalization;
using Plus;
using Plus.Data;
using Plus.Prompts;
using Plus.Torch.Generation;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

/// <summary>Samples summaries for Pets and Pets-OOD users and counts how often they name the preferred animal.</summary>
internal static class SummaryProbe
{
    public static double ProbeTemperature { get; set; } = 1.0;

    /// <summary>
    /// <c>--line-pairs</c>: the summarizer prompt writes each past chosen and rejected sentence on a line of its own
    /// (<see cref="LinePairTemplates"/>), so that a summary copying one has the tokens a response starting with it has
    /// (issue 15, docs/plus.md). The summaries are then also counted by whether the preferred animal starts a line.
    /// </summary>
    public static bool LinePairs { get; set; }

    /// <summary>The paper's Pets templates with the pair written as "The user chose\n{chosen}\nThe user rejected\n{rejected}".</summary>
    public static DomainPromptTemplates LinePairTemplates()
    {
        var templates = DomainPromptTemplates.CreatePets();
        templates.Pair = "Here is a request of a user for an AI assistant.\n{prompt} The user chose\n{chosen}\nThe user rejected\n{rejected}\n\n";
        return templates;
    }

    public static void Run(string directory, int seed)
    {
        using var model = CausalLM.FromPretrained(directory);
        model.eval();
        var tokenizer = HfTokenizer.Load(directory);
        var chat = new ChatMlFormatter();
        var renderer = new PromptRenderer(PromptDomain.Pets, LinePairs ? LinePairTemplates() : null);
        var extractor = new SummaryExtractor();
        var split = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = seed }).Build();
        var ood = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = seed }).BuildOod();
        var summarizer = new Plus.Torch.Summarization.TorchUserSummarizer(new Plus.Torch.Chat.TextGenerator(model, tokenizer), renderer,
            new Plus.Torch.Summarization.SummarizerOptions { Domain = PromptDomain.Pets, MaxSummaryTokens = 24, DoSample = true, Temperature = ProbeTemperature, Seed = seed, BatchSize = 32 });
        var trainUsers = split.Train.GroupBy(e => e.UserId).Select(g => g.First()).Take(64).ToList();
        var viaLibrary = summarizer.SummarizeAsync(trainUsers.Select(u => u.Context).ToList()).GetAwaiter().GetResult();
        int namesPreferred = trainUsers.Where((u, i) => viaLibrary[i].Text.Contains("chose " + Capital(u.UserType!) + "s", StringComparison.Ordinal)).Count();
        int namesBoth = trainUsers.Where((u, i) => NamesBoth(viaLibrary[i].Text, u)).Count();
        int copies = trainUsers.Where((u, i) => Plus.Metrics.SummaryCopying.ContainsContextSentence(viaLibrary[i].Text, u.Context)).Count();
        int lineForm = trainUsers.Where((u, i) => viaLibrary[i].Text.Contains("\n" + Capital(u.UserType!) + "s", StringComparison.Ordinal)).Count();
        int anyMention = trainUsers.Where((u, i) => viaLibrary[i].Text.Contains(u.UserType!, StringComparison.OrdinalIgnoreCase)).Count();
        for (int i = 0; i < 4; i++) Console.WriteLine($"  [library T={ProbeTemperature}] {trainUsers[i].UserType} user: {viaLibrary[i].Text}");
        Console.WriteLine($"pets-train via TorchUserSummarizer (24 tokens, T={ProbeTemperature}{(LinePairs ? ", line pairs" : "")}): {namesPreferred}/64 name the preferred animal after \"chose \", {lineForm} at the start of a line, {anyMention} mention it at all, {namesBoth} name it and then the other, {copies} copy a context sentence");
        foreach (var (name, examples) in new[] { ("pets-train", split.Train), ("pets-ood", ood) })
        {
            var users = examples.GroupBy(e => e.UserId).Select(g => g.First()).Take(64).ToList();
            foreach (bool sample in new[] { false, true })
            {
                var prompts = users.Select(u => tokenizer.Encode(chat.Format(renderer.RenderSummarizerPrompt(u.Context).Turns, addGenerationPrompt: true))).ToList();
                var batch = TokenizedBatch.FromRows(prompts, padLeft: true, padId: tokenizer.PadTokenId ?? 0);
                var (ids, mask, _) = batch.ToTensors();
                using var _1 = ids; using var _2 = mask;
                using var output = new TokenGenerator(model).Generate(ids, mask, new GenerationOptions
                {
                    MaxNewTokens = 32, DoSample = sample, Temperature = 1.0, Seed = seed,
                    StopTokenIds = tokenizer.EndOfTurnTokenIds.ToArray(), PadTokenId = tokenizer.PadTokenId ?? 0,
                });
                int informative = 0, wrong = 0, mentionsOnlyPreferred = 0, mentionsOther = 0, both = 0, copying = 0;
                for (int i = 0; i < users.Count; i++)
                {
                    string text = tokenizer.Decode(output.Sequences[i].TokenIds, skipSpecialTokens: true);
                    string summary = extractor.Extract(text).Text;
                    string preferred = Capital(users[i].UserType!) + "s";
                    if (summary.Contains("chose " + preferred, StringComparison.Ordinal)) informative++;
                    else if (summary.Contains("chose ", StringComparison.Ordinal)) wrong++;
                    string other = users[i].Context.Pairs[0].Rejected.Split(' ')[0];
                    bool hasPreferred = summary.Contains(preferred[..3], StringComparison.OrdinalIgnoreCase);
                    bool hasOther = summary.Contains(other[..3], StringComparison.OrdinalIgnoreCase);
                    if (hasPreferred && !hasOther) mentionsOnlyPreferred++;
                    if (hasOther) mentionsOther++;
                    if (NamesBoth(summary, users[i])) both++;
                    if (Plus.Metrics.SummaryCopying.ContainsContextSentence(summary, users[i].Context)) copying++;
                    if (i < 4) Console.WriteLine($"  [{name} {(sample ? "sampled" : "greedy")}] {users[i].UserType} user: {summary}");
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name} {(sample ? "sampled" : "greedy")}: {informative}/{users.Count} name the preferred animal, {wrong} name another; {mentionsOnlyPreferred} mention only the preferred animal, {mentionsOther} mention the other, {both} name it and then the other, {copying} copy a context sentence"));
            }
        }
    }

    private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];

    // The summary names the user's animal and, after it, the one the context's first pair rejected.
    private static bool NamesBoth(string summary, PreferenceExample user)
    {
        int p = summary.IndexOf(user.Context.Pairs[0].Chosen[..3], StringComparison.OrdinalIgnoreCase);
        int o = summary.IndexOf(user.Context.Pairs[0].Rejected[..3], StringComparison.OrdinalIgnoreCase);
        return p >= 0 && o > p;
    }
}

/// <summary>Probes copying on warm-start contexts and on pets subjects written with warm-start predicates.</summary>
internal static class CopyProbe
{
    public static void Run(string directory)
    {
        using var model = CausalLM.FromPretrained(directory);
        model.eval();
        var tokenizer = HfTokenizer.Load(directory);
        var chat = new ChatMlFormatter();
        var renderer = new PromptRenderer(PromptDomain.Pets);
        var extractor = new SummaryExtractor();
        var cases = new List<(string Name, UserContext Context, string Chosen)>();
        var words = new[] { "Houses", "Rivers", "Computers", "Mountains", "Doctors", "Windows", "Markets", "Stones" };
        foreach (var (ctx, _, _) in new SummarizationWarmStartBuilder { Seed = 99, ExtraSubjects = words, ExtraSubjectFraction = 0.5 }.Build(12))
            cases.Add(("warm", ctx, ctx.Pairs[0].Chosen.Split(' ')[0]));
        var prompt = Conversation.FromUser("Please talk about one kind of pets.");
        string[] preds = ["are loved by many people.", "have a long history.", "are a popular choice."];
        foreach (var (a, b) in new[] { ("Dogs", "Cats"), ("Cats", "Dogs"), ("Rabbits", "Birds"), ("Birds", "Rabbits") })
            cases.Add(("pets-templated", new UserContext(preds.Select(p => new PreferencePair(prompt, $"{a} {p}", $"{b} {p}")).ToArray()), a));
        var pets = PetsSentences.Default;
        cases.Add(("pets-real", new UserContext(Enumerable.Range(0, 3).Select(i => new PreferencePair(prompt, pets[PetAnimal.Dog][i], pets[PetAnimal.Cat][i])).ToArray()), "Dogs"));
        var raw = new List<(string Name, string Text, string Chosen)>();
        foreach (var (a, b) in new[] { ("Dogs", "Cats"), ("Cats", "Dogs"), ("Houses", "Rivers") })
            raw.Add(("drill-format", string.Join(" ", Enumerable.Range(0, 3).Select(i => $"The user chose {a} {pets[PetAnimal.Dog][i].Split(' ')[1]} {pets[PetAnimal.Dog][i].Split(' ')[2]}. The user rejected {b} sleep well.")), a));
        foreach (var (name, text, chosen) in raw)
        {
            var ids = tokenizer.Encode(chat.Format([ChatTurn.User(text)], addGenerationPrompt: true) + "##Summary The user chose");
            var batch = TokenizedBatch.FromRows([ids], padLeft: true, padId: tokenizer.PadTokenId ?? 0);
            var (t, m, _) = batch.ToTensors();
            using var output = new TokenGenerator(model).Generate(t, m, new GenerationOptions { MaxNewTokens = 12, StopTokenIds = tokenizer.EndOfTurnTokenIds.ToArray() });
            Console.WriteLine($"{name}: chosen {chosen} -> {tokenizer.Decode(output.Sequences[0].TokenIds, skipSpecialTokens: true)}");
        }

        foreach (var (name, ctx, chosen) in cases)
        {
            var ids = tokenizer.Encode(chat.Format(renderer.RenderSummarizerPrompt(ctx).Turns, addGenerationPrompt: true) + "##Summary The user chose");
            var batch = TokenizedBatch.FromRows([ids], padLeft: true, padId: tokenizer.PadTokenId ?? 0);
            var (t, m, _) = batch.ToTensors();
            using var output = new TokenGenerator(model).Generate(t, m, new GenerationOptions { MaxNewTokens = 24, StopTokenIds = tokenizer.EndOfTurnTokenIds.ToArray() });
            string text = tokenizer.Decode(output.Sequences[0].TokenIds, skipSpecialTokens: true);
            Console.WriteLine($"{name}: chosen {chosen} -> {text}");
        }
    }
}
