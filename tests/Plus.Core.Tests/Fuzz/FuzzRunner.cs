using System.Globalization;
using System.Text;

namespace Plus.Fuzzing;

/// <summary>
/// Runs a parser over many generated inputs and checks the contract of docs/reliability.md: every input either
/// loads or fails with the parser's documented exception type whose message names the file; no other exception,
/// no hang, and no managed allocation far beyond the input's size.
/// </summary>
/// <remarks>
/// <para>CI runs a fixed seed and a small count. <c>PLUS_FUZZ_ITERATIONS</c> sets the number of inputs per fuzz
/// test (for example 200000 for a long run) and <c>PLUS_FUZZ_SEED</c> the seed. A failing input is written to
/// the temporary folder (its path is in the failure message) so that it can be replayed.</para>
/// <para>Shared by Plus.Core.Tests and Plus.Torch.Tests (linked source).</para>
/// </remarks>
internal static class FuzzRunner
{
    /// <summary>The environment variable that sets the number of inputs per fuzz test.</summary>
    public const string IterationsVariable = "PLUS_FUZZ_ITERATIONS";

    /// <summary>The environment variable that sets the seed.</summary>
    public const string SeedVariable = "PLUS_FUZZ_SEED";

    /// <summary>A generous hang limit for one whole fuzz test (not a speed assertion: a working run takes seconds).</summary>
    private static readonly TimeSpan HangLimit = TimeSpan.FromMinutes(10);

    public static int Iterations(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(IterationsVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) && n > 0 ? n : ciDefault;

    public static int Seed(int ciDefault) =>
        int.TryParse(Environment.GetEnvironmentVariable(SeedVariable), NumberStyles.Integer, CultureInfo.InvariantCulture, out int n) ? n : ciDefault;

    /// <summary>Runs <paramref name="iterations"/> inputs; throws with the first contract breach and its replay file.</summary>
    /// <param name="name">The parser, for messages and replay file names.</param>
    /// <param name="iterations">How many inputs.</param>
    /// <param name="seed">The seed of the mutator.</param>
    /// <param name="generate">Makes input number i.</param>
    /// <param name="load">Loads one input; returns normally when it is accepted.</param>
    /// <param name="check">Returns null when the exception honours the contract, otherwise what is wrong.</param>
    /// <returns>Counts of accepted inputs and of each refusal type.</returns>
    public static FuzzReport Run(string name, int iterations, int seed, Func<Mutator, int, byte[]> generate, Action<byte[]> load, Func<Exception, string?> check)
    {
        var report = new FuzzReport(name);
        var task = Task.Factory.StartNew(() => Loop(name, iterations, seed, generate, load, check, report), CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default);
        if (!task.Wait(HangLimit))
        {
            throw new InvalidOperationException($"Fuzzing {name} did not finish within {HangLimit}: a parser hangs (last input {report.Current}).");
        }

        return report;
    }

    private static void Loop(string name, int iterations, int seed, Func<Mutator, int, byte[]> generate, Action<byte[]> load, Func<Exception, string?> check, FuzzReport report)
    {
        var mutator = new Mutator(seed);
        for (int i = 0; i < iterations; i++)
        {
            report.Current = i;
            byte[] input = generate(mutator, i);
            long budget = 32L * 1024 * 1024 + 200L * input.Length;
            long before = GC.GetAllocatedBytesForCurrentThread();
            string? breach;
            try
            {
                load(input);
                report.Loaded++;
                breach = null;
            }
            catch (Exception ex)
            {
                breach = check(ex);
                if (breach is null) report.Refused[ex.GetType().Name] = report.Refused.GetValueOrDefault(ex.GetType().Name) + 1;
                else breach += $"\n{ex}";
            }

            long allocated = GC.GetAllocatedBytesForCurrentThread() - before;
            if (breach is null && allocated > budget)
            {
                breach = $"loading allocated {allocated} managed bytes for a {input.Length}-byte input (budget {budget})";
            }

            if (breach is not null)
            {
                string file = Path.Combine(Path.GetTempPath(), $"plus-fuzz-{name}-seed{seed}-input{i}.bin");
                File.WriteAllBytes(file, input);
                string preview = Encoding.UTF8.GetString(input, 0, Math.Min(input.Length, 400));
                throw new InvalidOperationException($"Fuzzing {name} (seed {seed}, input {i}) broke the contract: {breach}\nInput ({input.Length} bytes) saved to {file}; it starts: {preview}");
            }
        }
    }
}

/// <summary>What a fuzz run saw.</summary>
internal sealed class FuzzReport(string name)
{
    public string Name { get; } = name;

    public int Loaded { get; set; }

    public Dictionary<string, int> Refused { get; } = [];

    public int Current { get; set; }

    public int Total => Loaded + Refused.Values.Sum();

    public override string ToString() =>
        $"{Name}: {Total} inputs, {Loaded} loaded, refused: " + string.Join(", ", Refused.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"{p.Key} {p.Value}"));
}
