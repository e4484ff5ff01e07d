using System.Text;
using Plus.Data;
using Plus.Fuzzing;

namespace Plus.Core.Tests.Fuzz;

/// <summary>
/// The preference JSONL reader under mutated and generated files: every input reads or fails with a
/// <see cref="PreferenceDataException"/> that names the file and a line that exists (docs/reliability.md).
/// </summary>
public sealed class PreferenceJsonlFuzzTests
{
    private const string Source = "fuzz.jsonl";

    private static readonly string[] Corpus =
    [
        """{"user_id":"u1","context":{"pairs":[{"prompt":[{"role":"user","content":"hi"}],"chosen":"a","rejected":"b"}],"profile":"likes cats","attribute_hints":["brevity"]},"target":{"prompt":"q","chosen":"c","rejected":"d"},"oracle_preference":"cats","group":"g","user_type":"t"}""",
        """{"user_id":"u2","target":{"prompt":[{"role":"system","content":"be brief"},{"role":"user","content":"Tell me about dogs."}],"chosen":"Dogs are loyal.","rejected":"Dogs are dogs and more dogs."}}""",
        """{"user_id":"u3","context":{"pairs":[]},"target":{"prompt":"Emoji 🐶 and CJK 猫","chosen":"yes","rejected":"no"}}""",
    ];

    private static byte[] Generate(Mutator m, int i)
    {
        var lines = new List<string>();
        int count = 1 + m.Random.Next(3);
        for (int k = 0; k < count; k++)
        {
            string line = Corpus[m.Random.Next(Corpus.Length)];
            if (k == count - 1 || m.Random.Next(3) == 0) line = m.MutateJson(line);
            lines.Add(line);
        }

        string separator = m.Random.Next(4) == 0 ? "\r\n" : "\n";
        byte[] bytes = Encoding.UTF8.GetBytes(string.Join(separator, lines));
        if (m.Random.Next(3) == 0) bytes = m.MutateBytes(bytes, [.. Corpus.Select(Encoding.UTF8.GetBytes)]);
        if (i % 50 == 0) bytes = [0xEF, 0xBB, 0xBF, .. bytes];
        return bytes;
    }

    private static void Load(byte[] input)
    {
        // MemoryStream completes every read synchronously, so the whole read stays on this thread (allocation accounting).
        var e = PreferenceJsonl.ReadAsync(new MemoryStream(input), Source).GetAsyncEnumerator();
        try
        {
            while (e.MoveNextAsync().AsTask().GetAwaiter().GetResult())
            {
                Assert.False(string.IsNullOrWhiteSpace(e.Current.Target.Chosen));
                Assert.NotEqual(e.Current.Target.Chosen, e.Current.Target.Rejected);
            }
        }
        finally
        {
            e.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }
    }

    private static Func<Exception, string?> Check(int maxLine) => ex => ex switch
    {
        PreferenceDataException p when p.FileName != Source || !p.Message.StartsWith(Source + " line ", StringComparison.Ordinal) => "the message does not start with the file and line",
        PreferenceDataException p when p.LineNumber < 1 || p.LineNumber > maxLine => $"line {p.LineNumber} does not exist",
        PreferenceDataException p when p.Message.Contains("LineNumber:", StringComparison.Ordinal) => "the message still carries the parser's zero-based LineNumber",
        PreferenceDataException => null,
        _ => $"{ex.GetType().Name} is not the documented PreferenceDataException",
    };

    [Fact]
    public void Mutated_preference_files_read_or_fail_with_a_PreferenceDataException_naming_file_and_line()
    {
        int lineCount = 0;
        var report = FuzzRunner.Run(
            "preference-jsonl",
            FuzzRunner.Iterations(4000),
            FuzzRunner.Seed(13),
            (m, i) =>
            {
                var bytes = Generate(m, i);
                lineCount = bytes.Count(b => b == (byte)'\n') + 1;
                return bytes;
            },
            Load,
            ex => Check(lineCount)(ex));

        // The corpus must reach both outcomes, or the fuzzer is not exercising the reader.
        Assert.True(report.Loaded > 0, report.ToString());
        Assert.True(report.Refused.GetValueOrDefault(nameof(PreferenceDataException)) > report.Total / 10, report.ToString());
    }
}
