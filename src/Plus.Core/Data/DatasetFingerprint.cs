using System.Security.Cryptography;
using System.Text;

namespace Plus.Data;

/// <summary>
/// A SHA-256 fingerprint of a list of examples, over their canonical JSONL (<see cref="PreferenceJsonl.Serialize"/>) in
/// order: equal for equal data, different when any example, or their order, differs. Used to tell runs and trained
/// models apart by their data.
/// </summary>
public static class DatasetFingerprint
{
    /// <summary>The fingerprint as 64 lower-case hex digits.</summary>
    /// <param name="examples">The examples.</param>
    /// <returns>The hex digest.</returns>
    public static string Of(IEnumerable<PreferenceExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var newline = "\n"u8.ToArray();
        foreach (var example in examples)
        {
            hash.AppendData(Encoding.UTF8.GetBytes(PreferenceJsonl.Serialize(example)));
            hash.AppendData(newline);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset());
    }
}
