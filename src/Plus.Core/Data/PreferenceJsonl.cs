using System.Buffers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.Extensions.AI;

namespace Plus.Data;

/// <summary>
/// Reads and writes <see cref="PreferenceExample"/>s as JSON Lines, one example per line, in the snake_case schema
/// documented in <c>docs/datasets.md</c>. Reading streams line by line; writing is atomic (temporary file + rename).
/// </summary>
/// <remarks>
/// Blank lines are allowed and ignored; any other line that cannot be read throws a
/// <see cref="PreferenceDataException"/> naming the file, the 1-based line number and the field. Nothing is
/// skipped silently. The file must be UTF-8 (a BOM is allowed) with lines of at most 64 MiB; a pair whose
/// <c>chosen</c> or <c>rejected</c> text is empty, or whose two texts are equal, is refused. Unknown fields are ignored so that files may carry extra metadata. All members are thread-safe.
/// </remarks>
public static class PreferenceJsonl
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    private static readonly byte[] NewLine = "\n"u8.ToArray();

    /// <summary>Streams the examples of the JSONL file at <paramref name="path"/>, in file order.</summary>
    /// <param name="path">The file to read; named in error messages as given.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="FileNotFoundException">The file does not exist (thrown at the first <c>MoveNextAsync</c>).</exception>
    /// <exception cref="PreferenceDataException">A line is not valid JSON or does not match the schema.</exception>
    public static async IAsyncEnumerable<PreferenceExample> ReadAsync(
        string path, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        var stream = JsonlFile.OpenRead(path);
        await using (stream.ConfigureAwait(false))
        {
            await foreach (var example in ReadAsync(stream, path, cancellationToken).ConfigureAwait(false))
            {
                yield return example;
            }
        }
    }

    /// <summary>Streams the examples of a JSONL <paramref name="stream"/> (UTF-8), in order. The stream is not disposed.</summary>
    /// <param name="stream">The stream to read from its current position.</param>
    /// <param name="sourceName">How error messages name the stream (a file name, for example).</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    /// <exception cref="PreferenceDataException">A line is not valid JSON or does not match the schema.</exception>
    public static async IAsyncEnumerable<PreferenceExample> ReadAsync(
        Stream stream, string sourceName, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentException.ThrowIfNullOrWhiteSpace(sourceName);
        await foreach (var (lineNumber, text) in JsonlFile.ReadLinesAsync(stream, sourceName, cancellationToken).ConfigureAwait(false))
        {
            yield return Parse(text, sourceName, lineNumber);
        }
    }

    /// <summary>Reads every example of the file at <paramref name="path"/> into a list.</summary>
    /// <param name="path">The file to read.</param>
    /// <param name="cancellationToken">Stops reading between lines.</param>
    public static async Task<IReadOnlyList<PreferenceExample>> ReadAllAsync(string path, CancellationToken cancellationToken = default)
    {
        var list = new List<PreferenceExample>();
        await foreach (var example in ReadAsync(path, cancellationToken).ConfigureAwait(false)) list.Add(example);
        return list;
    }

    /// <summary>Parses one JSONL line.</summary>
    /// <param name="line">The JSON object text.</param>
    /// <param name="sourceName">How error messages name the source.</param>
    /// <param name="lineNumber">The 1-based line number used in error messages.</param>
    /// <exception cref="PreferenceDataException">The line is not valid JSON or does not match the schema.</exception>
    public static PreferenceExample Parse(string line, string sourceName = "<string>", long lineNumber = 1)
    {
        ArgumentNullException.ThrowIfNull(line);
        var at = new JsonLine(sourceName, lineNumber);
        using var document = at.Parse(line);
        var root = document.RootElement;

        var userId = at.RequireString(root, "user_id", "user_id");
        if (userId.Length == 0) throw at.Error("user_id", "must not be empty");

        var context = UserContext.Empty;
        if (JsonLine.Optional(root, "context") is { } contextElement)
        {
            at.AsObject(contextElement, "context");
            var pairsElement = at.RequireArray(contextElement, "pairs", "context.pairs");
            var pairs = new List<PreferencePair>();
            var index = 0;
            foreach (var pairElement in pairsElement.EnumerateArray())
            {
                pairs.Add(ReadPair(at, pairElement, JsonLine.Index("context.pairs", index++)));
            }

            var profile = at.OptionalString(contextElement, "profile", "context.profile");
            ValueList<string>? hints = null;
            if (JsonLine.Optional(contextElement, "attribute_hints") is { } hintsElement)
            {
                at.AsArray(hintsElement, "context.attribute_hints");
                var hintList = new List<string>();
                var hintIndex = 0;
                foreach (var hint in hintsElement.EnumerateArray())
                {
                    hintList.Add(at.AsString(hint, JsonLine.Index("context.attribute_hints", hintIndex++)));
                }

                hints = new ValueList<string>(hintList);
            }

            context = new UserContext(new ValueList<PreferencePair>(pairs), profile, hints);
        }

        var target = ReadPair(at, at.Require(root, "target", "target"), "target");
        return new PreferenceExample(
            userId,
            context,
            target,
            at.OptionalString(root, "oracle_preference", "oracle_preference"),
            at.OptionalString(root, "group", "group"),
            at.OptionalString(root, "user_type", "user_type"));
    }

    /// <summary>Serializes one example as a single JSON line (no trailing newline), in the documented schema.</summary>
    /// <param name="example">The example.</param>
    public static string Serialize(PreferenceExample example)
    {
        ArgumentNullException.ThrowIfNull(example);
        var buffer = new ArrayBufferWriter<byte>();
        Write(buffer, example);
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>
    /// Writes <paramref name="examples"/> to <paramref name="path"/> atomically: a temporary file in the same folder
    /// is written and then renamed over <paramref name="path"/>. On error or cancellation the old file (if any) is
    /// untouched and the temporary file is removed. The folder is created if needed.
    /// </summary>
    /// <param name="path">The destination file.</param>
    /// <param name="examples">The examples, written in order.</param>
    /// <param name="cancellationToken">Stops writing between examples.</param>
    public static Task WriteAsync(string path, IEnumerable<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(examples);
        return WriteAsync(path, ToAsync(examples), cancellationToken);
    }

    /// <summary>Writes a stream of examples to <paramref name="path"/> atomically (see the other overload).</summary>
    /// <param name="path">The destination file.</param>
    /// <param name="examples">The examples, written in order as they arrive.</param>
    /// <param name="cancellationToken">Stops writing between examples.</param>
    public static Task WriteAsync(string path, IAsyncEnumerable<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        ArgumentNullException.ThrowIfNull(examples);
        return JsonlFile.WriteAtomicallyAsync(path, (stream, ct) => WriteAsync(stream, examples, ct), cancellationToken);
    }

    /// <summary>Writes examples as JSONL to <paramref name="stream"/> (UTF-8, one line each). The stream is not disposed.</summary>
    /// <param name="stream">The destination stream.</param>
    /// <param name="examples">The examples, written in order as they arrive.</param>
    /// <param name="cancellationToken">Stops writing between examples.</param>
    public static async Task WriteAsync(Stream stream, IAsyncEnumerable<PreferenceExample> examples, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(examples);
        var buffer = new ArrayBufferWriter<byte>();
        await foreach (var example in examples.WithCancellation(cancellationToken).ConfigureAwait(false))
        {
            cancellationToken.ThrowIfCancellationRequested();
            ArgumentNullException.ThrowIfNull(example, nameof(examples));
            buffer.ResetWrittenCount();
            Write(buffer, example);
            await stream.WriteAsync(buffer.WrittenMemory, cancellationToken).ConfigureAwait(false);
            await stream.WriteAsync(NewLine, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async IAsyncEnumerable<PreferenceExample> ToAsync(IEnumerable<PreferenceExample> examples)
    {
        foreach (var example in examples)
        {
            yield return example;
        }

        await Task.CompletedTask.ConfigureAwait(false);
    }

    private static PreferencePair ReadPair(JsonLine at, JsonElement element, string path)
    {
        at.AsObject(element, path);
        var prompt = ReadPrompt(at, at.Require(element, "prompt", JsonLine.Path(path, "prompt")), JsonLine.Path(path, "prompt"));
        var chosen = at.RequireString(element, "chosen", JsonLine.Path(path, "chosen"));
        var rejected = at.RequireString(element, "rejected", JsonLine.Path(path, "rejected"));
        if (string.IsNullOrWhiteSpace(chosen)) throw at.Error(JsonLine.Path(path, "chosen"), "must not be empty");
        if (string.IsNullOrWhiteSpace(rejected)) throw at.Error(JsonLine.Path(path, "rejected"), "must not be empty");
        if (string.Equals(chosen, rejected, StringComparison.Ordinal))
        {
            throw at.Error(path, "has the same text for 'chosen' and 'rejected', so it states no preference");
        }

        return new PreferencePair(prompt, chosen, rejected);
    }

    private static Conversation ReadPrompt(JsonLine at, JsonElement element, string path)
    {
        if (element.ValueKind == JsonValueKind.String) return Conversation.FromUser(at.AsString(element, path));
        if (element.ValueKind != JsonValueKind.Array)
        {
            throw at.Error(path, $"must be a string or an array of {{role, content}} turns, found {JsonLine.Describe(element.ValueKind)}");
        }

        var turns = new List<ChatTurn>();
        var index = 0;
        foreach (var turnElement in element.EnumerateArray())
        {
            var turnPath = JsonLine.Index(path, index++);
            at.AsObject(turnElement, turnPath);
            var role = at.RequireString(turnElement, "role", JsonLine.Path(turnPath, "role"));
            var content = at.RequireString(turnElement, "content", JsonLine.Path(turnPath, "content"));
            turns.Add(new ChatTurn(ParseRole(at, role, JsonLine.Path(turnPath, "role")), content));
        }

        if (turns.Count == 0) throw at.Error(path, "must hold at least one turn");
        return new Conversation(new ValueList<ChatTurn>(turns));
    }

    private static ChatRole ParseRole(JsonLine at, string role, string path) => role switch
    {
        "user" => ChatRole.User,
        "assistant" => ChatRole.Assistant,
        "system" => ChatRole.System,
        _ => throw at.Error(path, $"must be 'user', 'assistant' or 'system', found '{role}'"),
    };

    private static void Write(IBufferWriter<byte> buffer, PreferenceExample example)
    {
        using var writer = new Utf8JsonWriter(buffer, WriterOptions);
        writer.WriteStartObject();
        writer.WriteString("user_id", example.UserId);
        writer.WriteStartObject("context");
        writer.WriteStartArray("pairs");
        foreach (var pair in example.Context.Pairs) WritePair(writer, pair);
        writer.WriteEndArray();
        if (example.Context.Profile is { } profile) writer.WriteString("profile", profile);
        if (example.Context.AttributeHints is { } hints)
        {
            writer.WriteStartArray("attribute_hints");
            foreach (var hint in hints) writer.WriteStringValue(hint);
            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WritePropertyName("target");
        WritePair(writer, example.Target);
        if (example.OraclePreference is { } oracle) writer.WriteString("oracle_preference", oracle);
        if (example.Group is { } group) writer.WriteString("group", group);
        if (example.UserType is { } userType) writer.WriteString("user_type", userType);
        writer.WriteEndObject();
    }

    private static void WritePair(Utf8JsonWriter writer, PreferencePair pair)
    {
        writer.WriteStartObject();
        writer.WriteStartArray("prompt");
        foreach (var turn in pair.Prompt.Turns)
        {
            writer.WriteStartObject();
            writer.WriteString("role", turn.Role.Value);
            writer.WriteString("content", turn.Content);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteString("chosen", pair.Chosen);
        writer.WriteString("rejected", pair.Rejected);
        writer.WriteEndObject();
    }
}
