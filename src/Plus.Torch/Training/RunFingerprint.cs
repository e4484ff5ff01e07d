using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;

namespace Plus.Torch.Training;

/// <summary>
/// What makes two training runs the same run: the training data, the options that change the result, and the base
/// model(s). A checkpoint is resumed only by a run with the same fingerprint.
/// </summary>
/// <param name="Data">SHA-256 of the training examples (<c>Plus.Data.DatasetFingerprint</c>).</param>
/// <param name="Options">SHA-256 of the options' canonical JSON.</param>
/// <param name="BaseModel">SHA-256 of the starting weights (model folders or in-memory parameters).</param>
public sealed record RunFingerprint(string Data, string Options, string BaseModel)
{
    /// <summary>The SHA-256 of a JSON object's compact text (the options part).</summary>
    /// <param name="options">The options that change the result.</param>
    /// <returns>64 hex digits.</returns>
    public static string HashOptions(JsonObject options)
    {
        ArgumentNullException.ThrowIfNull(options);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(options.ToJsonString())));
    }

    /// <summary>The fingerprint as a JSON object, stored in checkpoints.</summary>
    /// <returns>The object.</returns>
    public JsonObject ToJson() => new() { ["data"] = Data, ["options"] = Options, ["base_model"] = BaseModel };

    /// <summary>Reads a fingerprint stored by <see cref="ToJson"/>; null when absent or incomplete.</summary>
    /// <param name="node">The stored object.</param>
    /// <returns>The fingerprint, or null.</returns>
    public static RunFingerprint? FromJson(JsonNode? node) =>
        node is JsonObject o && o["data"]?.GetValue<string>() is { } d && o["options"]?.GetValue<string>() is { } op && o["base_model"]?.GetValue<string>() is { } b
            ? new RunFingerprint(d, op, b)
            : null;

    /// <summary>What differs from <paramref name="other"/>, in words; null when they are equal.</summary>
    /// <param name="other">The other run's fingerprint.</param>
    /// <returns>A description such as "the training data differ", or null.</returns>
    public string? Difference(RunFingerprint other)
    {
        ArgumentNullException.ThrowIfNull(other);
        var parts = new List<string>();
        if (Data != other.Data) parts.Add("the training data differ");
        if (Options != other.Options) parts.Add("the training options differ");
        if (BaseModel != other.BaseModel) parts.Add("the base model differs");
        return parts.Count == 0 ? null : string.Join(", ", parts);
    }
}
