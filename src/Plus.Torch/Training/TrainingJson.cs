using System.Text.Json;
using System.Text.Json.Serialization;

namespace Plus.Torch.Training;

/// <summary>The JSON settings of the training files: snake_case keys, NaN/∞ written as the strings "NaN"/"Infinity".</summary>
internal static class TrainingJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        DictionaryKeyPolicy = null,
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        DefaultIgnoreCondition = JsonIgnoreCondition.Never,
    };

    public static void CheckFileName(string fileName, string parameterName)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName, parameterName);
        bool ok = fileName.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.') && fileName[0] != '.';
        if (!ok)
        {
            throw new ArgumentException(
                $"'{fileName}' is not a valid checkpoint file name: use ASCII letters, digits, '_', '-' and '.', not starting with '.'.",
                parameterName);
        }
    }
}
