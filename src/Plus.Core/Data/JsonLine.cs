using System.Globalization;
using System.Text.Json;

namespace Plus.Data;

/// <summary>
/// One parsed line of a JSONL file plus typed accessors whose failures name the file, line and field path.
/// </summary>
internal readonly struct JsonLine
{
    /// <summary>No duplicate keys (which value would win is not something a data file should leave open); at most 64 levels.</summary>
    private static readonly JsonDocumentOptions Options = new() { AllowDuplicateProperties = false, MaxDepth = 64 };

    public JsonLine(string source, long lineNumber)
    {
        Source = source;
        LineNumber = lineNumber;
    }

    public string Source { get; }

    public long LineNumber { get; }

    /// <summary>Parses <paramref name="text"/> as one JSON object.</summary>
    public JsonDocument Parse(string text)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, Options);
        }
        catch (JsonException ex)
        {
            throw new PreferenceDataException(Source, LineNumber, null, $"is not valid JSON: {Describe(ex)}", ex);
        }
        catch (InvalidOperationException ex)
        {
            // A lone surrogate in the text (from a string, not a file): the parser cannot transcode it.
            throw new PreferenceDataException(Source, LineNumber, null, $"is not valid Unicode text: {ex.Message}", ex);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = document.RootElement.ValueKind;
            document.Dispose();
            throw new PreferenceDataException(Source, LineNumber, null, $"must be a JSON object, found {Describe(kind)}");
        }

        return document;
    }

    /// <summary>
    /// The parser's reason without its "LineNumber: 0 | BytePositionInLine: 12." tail (the parser sees one line,
    /// so its line number is always 0 and would sit confusingly next to the file's real line), with the byte
    /// position in the line given once, one-based.
    /// </summary>
    public static string Describe(JsonException ex)
    {
        ArgumentNullException.ThrowIfNull(ex);
        var reason = System.Text.RegularExpressions.Regex.Replace(
            ex.Message, @"\s*(Path: \S*\s*\|\s*)?LineNumber: \d+ \| BytePositionInLine: \d+\.?", string.Empty).TrimEnd();
        return ex.BytePositionInLine is { } column ? $"{reason} (byte {column + 1} of the line)" : reason;
    }

    public PreferenceDataException Error(string field, string reason) => new(Source, LineNumber, field, reason);

    public static string Path(string parent, string name) => parent.Length == 0 ? name : parent + "." + name;

    public static string Index(string parent, int index) => parent + "[" + index.ToString(CultureInfo.InvariantCulture) + "]";

    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Optional(JsonElement obj, string name) =>
        obj.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    public JsonElement Require(JsonElement obj, string name, string path) =>
        Optional(obj, name) ?? throw Error(path, "is missing");

    public string RequireString(JsonElement obj, string name, string path) =>
        AsString(Require(obj, name, path), path);

    public string? OptionalString(JsonElement obj, string name, string path) =>
        Optional(obj, name) is { } value ? AsString(value, path) : null;

    public string AsString(JsonElement value, string path)
    {
        if (value.ValueKind != JsonValueKind.String) throw Error(path, $"must be a string, found {Describe(value.ValueKind)}");
        try
        {
            return value.GetString()!;
        }
        catch (InvalidOperationException ex)
        {
            // An escape such as \ud800 that is half of a surrogate pair.
            throw new PreferenceDataException(Source, LineNumber, path, $"is not valid Unicode text ({ex.Message})", ex);
        }
    }

    public JsonElement RequireObject(JsonElement obj, string name, string path) =>
        AsObject(Require(obj, name, path), path);

    public JsonElement AsObject(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Object
            ? value
            : throw Error(path, $"must be an object, found {Describe(value.ValueKind)}");

    public JsonElement RequireArray(JsonElement obj, string name, string path) =>
        AsArray(Require(obj, name, path), path);

    public JsonElement AsArray(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Array
            ? value
            : throw Error(path, $"must be an array, found {Describe(value.ValueKind)}");

    public int AsInt32(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number && value.TryGetInt32(out var number)
            ? number
            : throw Error(path, $"must be an integer, found {Describe(value.ValueKind)}");

    public double AsDouble(JsonElement value, string path) =>
        value.ValueKind == JsonValueKind.Number
            ? value.GetDouble()
            : throw Error(path, $"must be a number, found {Describe(value.ValueKind)}");

    public bool? OptionalBoolean(JsonElement obj, string name, string path) =>
        Optional(obj, name) is { } value
            ? value.ValueKind switch
            {
                JsonValueKind.True => true,
                JsonValueKind.False => false,
                _ => throw Error(path, $"must be true or false, found {Describe(value.ValueKind)}"),
            }
            : null;

    public static string Describe(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };
}
