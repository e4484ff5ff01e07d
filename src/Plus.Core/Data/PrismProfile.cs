using System.Globalization;
using System.Text;

namespace Plus.Data;

/// <summary>
/// Renders a PRISM participant's stated-preference ratings (survey <c>stated_prefs</c>, 0-100 per attribute) as the
/// profile text of the paper's appendix E. This is the one place the rendering lives.
/// </summary>
public static class PrismProfile
{
    /// <summary>The eight stated-preference attributes, in the order the paper writes them.</summary>
    public static IReadOnlyList<string> Attributes { get; } =
        new[] { "values", "creativity", "fluency", "factuality", "diversity", "safety", "personalisation", "helpfulness" };

    /// <summary>The words before the ratings.</summary>
    public const string Preamble =
        "I've scored the following attributes based on how much I care about each attribute. " +
        "A higher score indicates that this attribute is more important to me: ";

    /// <summary>
    /// The ratings as a Python-style dictionary in <see cref="Attributes"/> order, e.g.
    /// <c>{'values': 84, 'creativity': 100, ...}</c>.
    /// </summary>
    /// <param name="ratings">A rating for each of the eight <see cref="Attributes"/>.</param>
    /// <exception cref="ArgumentException">An attribute is missing.</exception>
    public static string RenderRatings(IReadOnlyDictionary<string, int> ratings)
    {
        ArgumentNullException.ThrowIfNull(ratings);
        var builder = new StringBuilder("{");
        for (var i = 0; i < Attributes.Count; i++)
        {
            var name = Attributes[i];
            if (!ratings.TryGetValue(name, out var rating))
            {
                throw new ArgumentException($"The rating of '{name}' is missing; all of {string.Join(", ", Attributes)} are required.", nameof(ratings));
            }

            if (i > 0) builder.Append(", ");
            builder.Append('\'').Append(name).Append("': ").Append(rating.ToString(CultureInfo.InvariantCulture));
        }

        return builder.Append('}').ToString();
    }

    /// <summary>
    /// The whole profile text: <see cref="Preamble"/>, the rendered ratings and a full stop, e.g.
    /// "I've scored ... more important to me: {'values': 84, ...}.".
    /// </summary>
    /// <param name="ratings">A rating for each of the eight <see cref="Attributes"/>.</param>
    /// <exception cref="ArgumentException">An attribute is missing.</exception>
    public static string Render(IReadOnlyDictionary<string, int> ratings) => Preamble + RenderRatings(ratings) + ".";
}
