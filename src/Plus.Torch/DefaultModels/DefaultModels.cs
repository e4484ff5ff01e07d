using System.Globalization;
using System.Reflection;
using System.Security.Cryptography;
using Plus.Torch.Modeling;
using Plus.Torch.Tokenization;
using static TorchSharp.torch;

namespace Plus.Torch;

/// <summary>
/// The default models of Plus.Sdk. <c>plus-tiny-qwen2</c> is a tiny Qwen2-architecture model (with a vocabulary cut
/// from Qwen's tokenizer) made by <c>samples/Plus.DefaultModels</c>. Its Hugging Face folder (<c>config.json</c>,
/// <c>model.safetensors</c>, <c>tokenizer.json</c>, <c>tokenizer_config.json</c>, <c>generation_config.json</c>) is
/// not in Plus.Torch: it ships in the package <c>Plus.Models.Tiny</c> (see <see cref="TinyQwen2Package"/>), whose
/// assembly this class finds by name at run time, and is written to disk on first use.
/// </summary>
/// <remarks>
/// Extraction is safe across threads and processes: the files are written into a temporary folder that is then
/// renamed into place, and a folder already present (with every file at its expected size) is reused. The cache
/// folder is keyed by a hash of the embedded files, so a new version of the package never reads an old model.
/// </remarks>
public static class DefaultModels
{
    /// <summary>The name of the tiny Qwen2 default model.</summary>
    public const string TinyQwen2 = "plus-tiny-qwen2";

    /// <summary>The package (and assembly) that holds <see cref="TinyQwen2"/>: <c>Plus.Models.Tiny</c>.</summary>
    public const string TinyQwen2Package = "Plus.Models.Tiny";

    /// <summary>The environment variable that overrides the cache root (otherwise <c>$XDG_CACHE_HOME/plus-sdk</c> or <c>~/.cache/plus-sdk</c>).</summary>
    public const string CacheEnvironmentVariable = "PLUS_SDK_CACHE";

    /// <summary>The prefix of the model resources in <see cref="TinyQwen2Package"/>: <c>Plus.Models.Tiny/</c>.</summary>
    internal const string ResourcePrefix = "Plus.Models.Tiny/";

    private static readonly string[] RequiredFiles = ["config.json", "tokenizer.json"];

    /// <summary>True when the application references <see cref="TinyQwen2Package"/> and it holds the tiny Qwen2 model.</summary>
    public static bool IsTinyQwen2Available =>
        FindModelAssembly(TinyQwen2Package) is { } assembly && ResourceFiles(assembly, ResourcePrefix + TinyQwen2 + "/").Count > 0;

    /// <summary>
    /// The folder under which default models are extracted: <c>$PLUS_SDK_CACHE</c>, else <c>$XDG_CACHE_HOME/plus-sdk</c>,
    /// else <c>~/.cache/plus-sdk</c> (on Windows: the local application data folder's <c>plus-sdk</c>).
    /// </summary>
    public static string CacheRoot
    {
        get
        {
            string? custom = Environment.GetEnvironmentVariable(CacheEnvironmentVariable);
            if (!string.IsNullOrWhiteSpace(custom)) return custom;
            string? xdg = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
            if (!string.IsNullOrWhiteSpace(xdg)) return Path.Combine(xdg, "plus-sdk");
            if (OperatingSystem.IsWindows())
            {
                return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "plus-sdk");
            }

            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "plus-sdk");
        }
    }

    /// <summary>
    /// Writes the <c>plus-tiny-qwen2</c> folder from the <see cref="TinyQwen2Package"/> package to disk and returns its path.
    /// </summary>
    /// <param name="directory">
    /// Where to write the files (created if needed; existing files of the same names are replaced); null uses the
    /// cache, <c>{CacheRoot}/plus-tiny-qwen2-{hash}</c>, and reuses it when it is already there.
    /// </param>
    /// <returns>The folder holding the model's files; load it with <see cref="CausalLM.FromPretrained"/> and <see cref="HfTokenizer.Load"/>.</returns>
    /// <exception cref="InvalidOperationException">The application does not reference <see cref="TinyQwen2Package"/>; the message says what to add.</exception>
    public static string ExtractTinyQwen2(string? directory = null) =>
        Extract(RequireModelAssembly(TinyQwen2Package, TinyQwen2), ResourcePrefix + TinyQwen2 + "/", TinyQwen2, directory, CacheRoot);

    /// <summary>Extracts (see <see cref="ExtractTinyQwen2"/>) and loads the tiny Qwen2 model and its tokenizer.</summary>
    /// <param name="device">The device (default CPU); the weights load in fp32.</param>
    /// <returns>The model (the caller disposes it) and its tokenizer.</returns>
    /// <exception cref="InvalidOperationException">The application does not reference <see cref="TinyQwen2Package"/>; the message says what to add.</exception>
    public static (CausalLM Model, HfTokenizer Tokenizer) LoadTinyQwen2(Device? device = null) => Load(ExtractTinyQwen2(), device);

    /// <summary>The model assembly named <paramref name="name"/> when the application has it, else null.</summary>
    internal static Assembly? FindModelAssembly(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        try
        {
            return Assembly.Load(new AssemblyName(name));
        }
        catch (FileNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The model assembly named <paramref name="package"/>, or an error that says which package to add.</summary>
    /// <param name="package">The package and assembly name, for example <see cref="TinyQwen2Package"/>.</param>
    /// <param name="model">The model it holds (for the message).</param>
    internal static Assembly RequireModelAssembly(string package, string model) =>
        FindModelAssembly(package) ?? throw new InvalidOperationException(
            $"The default model '{model}' ships in the package {package}, which this application does not reference " +
            $"(no {package}.dll could be loaded from {AppContext.BaseDirectory}). Add it next to Plus.Torch " +
            $"(dotnet add package {package}, the same version as Plus.Torch), or load a model folder of your own with " +
            "CausalLM.FromPretrained and HfTokenizer.Load.");

    /// <summary>Loads a model folder and its tokenizer.</summary>
    internal static (CausalLM Model, HfTokenizer Tokenizer) Load(string directory, Device? device)
    {
        var tokenizer = HfTokenizer.Load(directory);
        var model = CausalLM.FromPretrained(directory, device);
        return (model, tokenizer);
    }

    /// <summary>
    /// Writes every resource of <paramref name="assembly"/> whose name starts with <paramref name="prefix"/> to a folder,
    /// keeping the relative paths after the prefix (<c>/</c> or <c>\</c> separated).
    /// </summary>
    /// <param name="assembly">The assembly holding the resources.</param>
    /// <param name="prefix">The resource-name prefix of the model folder, ending with <c>/</c>.</param>
    /// <param name="name">The model's name (messages and the cache folder name).</param>
    /// <param name="directory">The target folder, or null for the cache.</param>
    /// <param name="cacheRoot">The cache root used when <paramref name="directory"/> is null.</param>
    internal static string Extract(Assembly assembly, string prefix, string name, string? directory, string cacheRoot)
    {
        ArgumentNullException.ThrowIfNull(assembly);
        ArgumentException.ThrowIfNullOrEmpty(prefix);
        var files = ResourceFiles(assembly, prefix);
        if (files.Count == 0)
        {
            throw new InvalidOperationException(
                $"The default model '{name}' is not embedded in {assembly.GetName().Name} (no resources named '{prefix}*'). " +
                "Build it with the model folder src/" + TinyQwen2Package + "/" + name + "/ in place (samples/Plus.DefaultModels makes it), " +
                "or load a model folder of your own with CausalLM.FromPretrained.");
        }

        var missing = RequiredFiles.Where(f => !files.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            throw new InvalidOperationException(
                $"The default model '{name}' embedded in {assembly.GetName().Name} lacks {string.Join(", ", missing)} (resources '{prefix}*' hold {string.Join(", ", files.Keys.Order(StringComparer.Ordinal))}).");
        }

        if (directory is not null)
        {
            Directory.CreateDirectory(directory);
            foreach (var (relative, resource) in files) WriteResource(assembly, resource, Path.Combine(directory, relative));
            return directory;
        }

        string target = Path.Combine(cacheRoot, $"{name}-{ContentHash(assembly, files)}");
        if (IsComplete(assembly, files, target)) return target;
        if (Directory.Exists(target)) Directory.Delete(target, recursive: true);

        Directory.CreateDirectory(cacheRoot);
        string temporary = $"{target}.tmp-{Guid.NewGuid():N}";
        try
        {
            foreach (var (relative, resource) in files) WriteResource(assembly, resource, Path.Combine(temporary, relative));
            try
            {
                Directory.Move(temporary, target);
            }
            catch (IOException) when (IsComplete(assembly, files, target))
            {
                // Another thread or process finished the same extraction first; its copy is identical.
            }
        }
        finally
        {
            if (Directory.Exists(temporary)) Directory.Delete(temporary, recursive: true);
        }

        return target;
    }

    /// <summary>The resources under <paramref name="prefix"/>, keyed by their relative path with <c>/</c> separators.</summary>
    internal static SortedDictionary<string, string> ResourceFiles(Assembly assembly, string prefix)
    {
        var files = new SortedDictionary<string, string>(StringComparer.Ordinal);
        string normalizedPrefix = prefix.Replace('\\', '/');
        foreach (string resource in assembly.GetManifestResourceNames())
        {
            string normalized = resource.Replace('\\', '/');
            if (!normalized.StartsWith(normalizedPrefix, StringComparison.Ordinal)) continue;
            string relative = normalized[normalizedPrefix.Length..];
            if (relative.Length == 0 || relative.Split('/').Any(part => part is "" or "." or ".."))
            {
                throw new InvalidOperationException($"Embedded resource '{resource}' has an invalid relative path '{relative}'.");
            }

            files[relative] = resource;
        }

        return files;
    }

    private static void WriteResource(Assembly assembly, string resource, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.tmp-{Guid.NewGuid():N}";
        try
        {
            using (var source = Open(assembly, resource))
            using (var target = File.Create(temporary))
            {
                source.CopyTo(target);
            }

            File.Move(temporary, path, overwrite: true);
        }
        finally
        {
            if (File.Exists(temporary)) File.Delete(temporary);
        }
    }

    private static bool IsComplete(Assembly assembly, SortedDictionary<string, string> files, string directory)
    {
        if (!Directory.Exists(directory)) return false;
        foreach (var (relative, resource) in files)
        {
            var info = new FileInfo(Path.Combine(directory, relative));
            using var stream = Open(assembly, resource);
            if (!info.Exists || info.Length != stream.Length) return false;
        }

        return true;
    }

    private static string ContentHash(Assembly assembly, SortedDictionary<string, string> files)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[81920];
        foreach (var (relative, resource) in files)
        {
            hash.AppendData(System.Text.Encoding.UTF8.GetBytes(relative + "\0"));
            using var stream = Open(assembly, resource);
            hash.AppendData(BitConverter.GetBytes(stream.Length));
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0) hash.AppendData(buffer, 0, read);
        }

        return Convert.ToHexStringLower(hash.GetHashAndReset())[..16];
    }

    private static Stream Open(Assembly assembly, string resource) =>
        assembly.GetManifestResourceStream(resource)
        ?? throw new InvalidOperationException(string.Create(CultureInfo.InvariantCulture, $"Embedded resource '{resource}' of {assembly.GetName().Name} cannot be opened."));
}
