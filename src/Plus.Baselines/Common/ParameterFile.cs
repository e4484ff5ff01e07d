using Plus.Torch.Checkpoints;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Baselines.Common;

/// <summary>
/// Writes and reads a named list of parameters as one safetensors file, checking on load that the file holds exactly
/// these parameters with these shapes before any is assigned (a half-loaded model is never left behind).
/// </summary>
internal static class ParameterFile
{
    public static void Write(string path, IEnumerable<(string Name, Parameter Parameter)> parameters, IReadOnlyDictionary<string, string>? metadata = null) =>
        SafetensorsWriter.Write(path, parameters.Select(p => new KeyValuePair<string, Tensor>(p.Name, p.Parameter)), metadata: metadata);

    public static void Read(string path, IReadOnlyList<(string Name, Parameter Parameter)> parameters)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Parameter file '{path}' does not exist.", path);
        using var file = SafetensorsFile.Open(path);
        foreach (var (name, p) in parameters)
        {
            if (!file.Contains(name)) throw new InvalidDataException($"Parameter file '{path}' lacks parameter '{name}'; was it written by a differently configured model?");
            if (!file.Tensors[name].Shape.SequenceEqual(p.shape))
            {
                throw new InvalidDataException($"Parameter '{name}' in '{path}' has shape {file.Tensors[name].ShapeText}, the model expects {SafetensorsTensorInfo.FormatShape(p.shape)}.");
            }
        }

        var known = parameters.Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var extra = file.Tensors.Keys.FirstOrDefault(k => !known.Contains(k));
        if (extra is not null) throw new InvalidDataException($"Parameter file '{path}' holds '{extra}', which is not a parameter of this model.");

        var fresh = new List<(Parameter Param, Tensor Value)>();
        try
        {
            foreach (var (name, p) in parameters) fresh.Add((p, file.ReadTensor(name, p.dtype, p.device)));
            using var noGrad = no_grad();
            foreach (var (p, value) in fresh) p.copy_(value);
        }
        finally
        {
            foreach (var (_, value) in fresh) value.Dispose();
        }
    }
}
