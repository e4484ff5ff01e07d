using System.Text.RegularExpressions;

namespace Plus.ZeroShot;

/// <summary>Reads "Option 1" or "Option 2" from a judge's answer.</summary>
internal static partial class JudgeAnswerParser
{
    /// <summary>
    /// Returns 1 or 2, or null when the answer is unclear. Accepted, case-insensitive, punctuation and markdown
    /// around it ignored: an answer that starts with "Option N" (also "Option: N", "option-N", "Option #N");
    /// an answer that is just "1" or "2"; otherwise an answer that mentions only one of the two options.
    /// An answer that mentions both without starting with one is unclear.
    /// </summary>
    public static int? Parse(string? answer)
    {
        if (string.IsNullOrWhiteSpace(answer)) return null;
        var trimmed = answer.Trim().TrimStart('*', '_', '"', '\'', '`', '#', '>', '(', '[', ' ', '\t', '\r', '\n');
        var leading = LeadingOption().Match(trimmed);
        if (leading.Success) return leading.Groups[1].Value[0] - '0';

        var bare = trimmed.TrimEnd('*', '_', '"', '\'', '`', '.', '!', ')', ']', ' ', '\t', '\r', '\n');
        if (bare is "1" or "2") return bare[0] - '0';

        var mentioned = AnyOption().Matches(trimmed).Select(m => m.Groups[1].Value[0] - '0').Distinct().ToArray();
        return mentioned.Length == 1 ? mentioned[0] : null;
    }

    [GeneratedRegex(@"^option\s*[-:#]?\s*([12])(?![0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex LeadingOption();

    [GeneratedRegex(@"\boption\s*[-:#]?\s*([12])(?![0-9])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex AnyOption();
}
