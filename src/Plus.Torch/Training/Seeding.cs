using TorchSharp;
using static TorchSharp.torch;

namespace Plus.Torch.Training;

/// <summary>One seed for all randomness of a run, and independent streams derived from it.</summary>
/// <remarks>
/// <para>How a resumed run stays deterministic: a <see cref="Random"/>'s state cannot be saved, so trainers never keep
/// one alive across steps. They derive a fresh stream from <c>(seed, purpose, step or epoch)</c> with
/// <see cref="CreateRandom"/> or <see cref="CreateGenerator"/> (for example the shuffle of epoch <c>e</c> from
/// <c>CreateRandom(seed, e)</c>, the sampling of step <c>s</c> from <c>CreateGenerator(seed, s)</c>); the seed is in
/// <see cref="TrainerState.Seed"/> and the step in <see cref="TrainerState.Step"/>, so a resumed run draws exactly
/// what the uninterrupted run would have. Code that uses torch's global generator (dropout, <c>torch.randn</c>
/// without a generator) is covered by <c>rng_state.bin</c> for the CPU; the global CUDA generator is not saved,
/// so GPU code should pass a generator from <see cref="CreateGenerator"/>.</para>
/// <para><c>new Random(int)</c> uses the seeded legacy algorithm that .NET keeps stable across versions.</para>
/// </remarks>
public static class Seeding
{
    /// <summary>Seeds torch's global generators (CPU, and CUDA when available) and returns a <see cref="Random"/> for stream 0.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <returns><c>CreateRandom(seed, 0)</c>.</returns>
    public static Random Seed(long seed)
    {
        manual_seed(seed);
        if (cuda.is_available())
        {
            cuda.manual_seed_all(seed);
        }

        return CreateRandom(seed, 0);
    }

    /// <summary>A <see cref="Random"/> for one stream of the run (an epoch's shuffle, a data builder, ...).</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="stream">The stream's number; different numbers give independent sequences.</param>
    /// <returns>A new generator; the same arguments always give the same sequence.</returns>
    public static Random CreateRandom(long seed, long stream) => new(unchecked((int)Derive(seed, stream)));

    /// <summary>A torch generator for one stream of the run, on a device.</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="stream">The stream's number (for example the global step).</param>
    /// <param name="device">The device; null for the CPU.</param>
    /// <returns>A new generator the caller disposes.</returns>
    public static Generator CreateGenerator(long seed, long stream, Device? device = null) =>
        new(unchecked((ulong)Derive(seed, stream)), device ?? CPU);

    /// <summary>Derives a 64-bit seed for a stream (SplitMix64 of the seed and the stream number).</summary>
    /// <param name="seed">The run's seed.</param>
    /// <param name="stream">The stream's number.</param>
    /// <returns>A well-mixed seed; different streams give unrelated values.</returns>
    public static long Derive(long seed, long stream)
    {
        unchecked
        {
            ulong z = (ulong)seed + 0x9E3779B97F4A7C15UL * ((ulong)stream + 1);
            z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
            z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
            return (long)(z ^ (z >> 31));
        }
    }
}
