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
    public static void Run(string directory, int seed)
    {
        using var model = CausalLM.FromPretrained(directory);
        model.eval();
        var tokenizer = HfTokenizer.Load(directory);
        var chat = new ChatMlFormatter();
        var renderer = new PromptRenderer(PromptDomain.Pets);
        var extractor = new SummaryExtractor();
        var split = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = seed }).Build();
        var ood = new PetsDatasetBuilder(new PetsDatasetOptions { Seed = seed }).BuildOod();
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
                int informative = 0, wrong = 0;
                for (int i = 0; i < users.Count; i++)
                {
                    string text = tokenizer.Decode(output.Sequences[i].TokenIds, skipSpecialTokens: true);
                    string summary = extractor.Extract(text).Text;
                    string preferred = Capital(users[i].UserType!) + "s";
                    if (summary.Contains("prefers " + preferred, StringComparison.Ordinal)) informative++;
                    else if (summary.Contains("prefers ", StringComparison.Ordinal)) wrong++;
                    if (i < 4) Console.WriteLine($"  [{name} {(sample ? "sampled" : "greedy")}] {users[i].UserType} user: {summary}");
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{name} {(sample ? "sampled" : "greedy")}: {informative}/{users.Count} name the preferred animal, {wrong} name another"));
            }
        }
    }

    private static string Capital(string s) => char.ToUpperInvariant(s[0]) + s[1..];
}
