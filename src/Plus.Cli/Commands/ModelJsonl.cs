using System.Text;
using System.Text.Json;

namespace Plus.Cli.Commands;

/// <summary>Writes the JSONL results of <c>summarize</c> and <c>predict</c> to a file (atomically) or standard output.</summary>
internal sealed class ModelJsonl : IAsyncDisposable
{
    private static readonly JsonWriterOptions Options = new() { Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };
    private readonly TextWriter _writer;
    private readonly FileInfo? _target;
    private readonly string? _temporary;
    private int _lines;

    private ModelJsonl(TextWriter writer, FileInfo? target, string? temporary)
    {
        _writer = writer;
        _target = target;
        _temporary = temporary;
    }

    /// <summary>Lines written.</summary>
    public int Lines => _lines;

    public static ModelJsonl Open(FileInfo? target, TextWriter stdout)
    {
        if (target is null) return new ModelJsonl(stdout, null, null);
        var directory = target.DirectoryName ?? ".";
        Directory.CreateDirectory(directory);
        var temporary = Path.Combine(directory, $".{target.Name}.tmp-{Guid.NewGuid():N}");
        return new ModelJsonl(new StreamWriter(temporary, false, new UTF8Encoding(false)), target, temporary);
    }

    public async Task WriteAsync(Action<Utf8JsonWriter> write)
    {
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer, Options))
        {
            json.WriteStartObject();
            write(json);
            json.WriteEndObject();
        }

        await _writer.WriteLineAsync(Encoding.UTF8.GetString(buffer.ToArray())).ConfigureAwait(false);
        _lines++;
    }

    /// <summary>Publishes the file (when writing one); without this call, disposing discards it.</summary>
    public async Task CompleteAsync()
    {
        await _writer.FlushAsync().ConfigureAwait(false);
        if (_target is null) return;
        await _writer.DisposeAsync().ConfigureAwait(false);
        File.Move(_temporary!, _target.FullName, overwrite: true);
    }

    public async ValueTask DisposeAsync()
    {
        if (_target is null) return;
        await _writer.DisposeAsync().ConfigureAwait(false);
        if (File.Exists(_temporary)) File.Delete(_temporary);
    }
}
