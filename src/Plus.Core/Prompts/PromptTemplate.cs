using System.Text;
using System.Text.RegularExpressions;

namespace Plus.Prompts;

/// <summary>
/// A validated prompt template: text with named placeholders from <see cref="PromptPlaceholders"/>.
/// Immutable and thread-safe.
/// </summary>
public sealed partial class PromptTemplate
{
    private readonly HashSet<string> _allowed;

    /// <summary>
    /// Creates a template and checks it: <paramref name="text"/> must contain every name in
    /// <paramref name="required"/> and no placeholder outside <paramref name="required"/> and <paramref name="optional"/>.
    /// </summary>
    /// <param name="name">The option path of the template, used in error messages (<c>Plus:Prompts:Pets:Summarizer</c>).</param>
    /// <param name="text">The template text.</param>
    /// <param name="required">Placeholders the text must contain.</param>
    /// <param name="optional">Placeholders the text may contain.</param>
    /// <exception cref="ArgumentException">The text breaks the rules; the message names the option and the placeholder.</exception>
    public PromptTemplate(string name, string text, IEnumerable<string> required, IEnumerable<string>? optional = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var requiredList = required?.ToArray() ?? throw new ArgumentNullException(nameof(required));
        var optionalList = optional?.ToArray() ?? [];
        var errors = Validate(name, text, requiredList, optionalList);
        if (errors.Count > 0) throw new ArgumentException(string.Join(" ", errors), nameof(text));
        Name = name;
        Text = text;
        _allowed = new HashSet<string>(requiredList.Concat(optionalList), StringComparer.Ordinal);
        Placeholders = FindPlaceholders(text);
    }

    /// <summary>The option path of the template (<c>Plus:Prompts:Pets:Summarizer</c>).</summary>
    public string Name { get; }

    /// <summary>The template text.</summary>
    public string Text { get; }

    /// <summary>The placeholders the text contains, in order of first appearance.</summary>
    public IReadOnlyList<string> Placeholders { get; }

    /// <summary>
    /// Replaces every placeholder in one pass; inserted values are never expanded again.
    /// </summary>
    /// <param name="values">A value for every placeholder the text contains (more are ignored).</param>
    /// <returns>The rendered text.</returns>
    /// <exception cref="ArgumentException">A placeholder in the text has no value; the message names it and the template.</exception>
    public string Render(IReadOnlyDictionary<string, string> values)
    {
        ArgumentNullException.ThrowIfNull(values);
        foreach (var placeholder in Placeholders)
        {
            if (!values.ContainsKey(placeholder))
                throw new ArgumentException($"Template {Name} uses {{{placeholder}}} but no value was given for it.", nameof(values));
        }

        return PlaceholderPattern().Replace(Text, m =>
            _allowed.Contains(m.Groups[1].Value) && values.TryGetValue(m.Groups[1].Value, out var v) ? v : m.Value);
    }

    /// <summary>
    /// Checks a template text without creating it, as options validation does.
    /// </summary>
    /// <param name="name">The option path, used in the messages.</param>
    /// <param name="text">The text to check (null is an error).</param>
    /// <param name="required">Placeholders the text must contain.</param>
    /// <param name="optional">Placeholders the text may also contain.</param>
    /// <returns>One message per problem, each naming <paramref name="name"/>; empty when the text is valid.</returns>
    public static IReadOnlyList<string> Validate(string name, string? text, IReadOnlyCollection<string> required, IReadOnlyCollection<string> optional)
    {
        ArgumentNullException.ThrowIfNull(required);
        ArgumentNullException.ThrowIfNull(optional);
        var errors = new List<string>();
        if (text is null)
        {
            errors.Add($"{name} must not be null.");
            return errors;
        }

        if (required.Count > 0 && string.IsNullOrWhiteSpace(text))
        {
            errors.Add($"{name} must not be empty; it needs {Describe(required)}.");
            return errors;
        }

        var found = FindPlaceholders(text);
        foreach (var placeholder in required)
        {
            if (!found.Contains(placeholder, StringComparer.Ordinal))
                errors.Add($"{name} is missing the required placeholder {{{placeholder}}}.");
        }

        foreach (var placeholder in found)
        {
            if (!required.Contains(placeholder, StringComparer.Ordinal) && !optional.Contains(placeholder, StringComparer.Ordinal))
            {
                var allowed = required.Concat(optional).ToArray();
                errors.Add($"{name} uses {{{placeholder}}}, which is not available there (allowed: {(allowed.Length == 0 ? "none" : Describe(allowed))}).");
            }
        }

        return errors;
    }

    private static string Describe(IEnumerable<string> names)
    {
        var builder = new StringBuilder();
        foreach (var n in names)
        {
            if (builder.Length > 0) builder.Append(", ");
            builder.Append('{').Append(n).Append('}');
        }

        return builder.ToString();
    }

    private static List<string> FindPlaceholders(string text)
    {
        var result = new List<string>();
        foreach (Match m in PlaceholderPattern().Matches(text))
        {
            var n = m.Groups[1].Value;
            if (PromptPlaceholders.All.Contains(n, StringComparer.Ordinal) && !result.Contains(n, StringComparer.Ordinal)) result.Add(n);
        }

        return result;
    }

    [GeneratedRegex(@"\{([a-z0-9]+)\}", RegexOptions.CultureInvariant)]
    private static partial Regex PlaceholderPattern();
}
