using System.Globalization;
using System.Text.Json;

namespace Plus.Data;

/// <summary>Reads the optional key (user id or user type) and group fields shared by the row importers.</summary>
internal static class ImportFields
{
    /// <summary>The value of <paramref name="field"/> as <see cref="Read"/> gives it, or null when the row lacks it (or it is JSON null).</summary>
    public static string? ReadOptional(JsonLine at, JsonElement root, string? field) =>
        field is not null && JsonLine.Optional(root, field) is not null ? Read(at, root, field) : null;

    /// <summary>
    /// The value of <paramref name="field"/> as text (a string, or an integer written in invariant culture), or null
    /// when <paramref name="field"/> is null. A requested field that is missing, empty or of another kind is an error.
    /// </summary>
    public static string? Read(JsonLine at, JsonElement root, string? field)
    {
        if (field is null) return null;
        var value = at.Require(root, field, field);
        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString()!,
            JsonValueKind.Number when value.TryGetInt64(out var number) => number.ToString(CultureInfo.InvariantCulture),
            _ => throw at.Error(field, $"must be a string or an integer, found {JsonLine.Describe(value.ValueKind)}"),
        };
        if (text.Length == 0) throw at.Error(field, "must not be empty");
        return text;
    }
}
