using Plus.Torch.Checkpoints;
using Plus.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Plus.Torch.Lora;

/// <summary>
/// A LoRA adapter injected into a <see cref="CausalLM"/>: one <see cref="LoraLinear"/> per targeted projection,
/// every other weight of the model frozen. Saves and loads PEFT's format (<c>adapter_config.json</c> +
/// <c>adapter_model.safetensors</c> with keys such as <c>base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight</c>).
/// </summary>
/// <remarks>
/// <para><b>Reference policy without a copy.</b> <see cref="Enabled"/> = false (or a <see cref="DisableAdapter"/> scope)
/// runs the frozen base model: PPO's reference log-probs come from the same weights.</para>
/// <para><b>modules_to_save.</b> Modules that are trained in full next to the adapter (a reward model's <c>score</c>
/// head) are not part of the <see cref="CausalLM"/>; their owner passes them to <see cref="Save"/> and reads them back
/// with <see cref="ReadModuleToSave"/>. PEFT writes them without its wrapper names, as
/// <c>base_model.model.score.weight</c> (its <c>get_peft_model_state_dict</c> keeps the module-relative key
/// <c>weight</c> of <c>modules_to_save.default</c>); <see cref="ReadModuleToSave"/> also accepts the older
/// spelling <c>base_model.model.score.modules_to_save.default.weight</c>.</para>
/// <para>The adapter's layers belong to the model (they sit in its projection slots); the adapter object holds no
/// tensors of its own. Not thread-safe.</para>
/// </remarks>
public sealed class LoraAdapter
{
    /// <summary>The weights file: <c>adapter_model.safetensors</c>.</summary>
    public const string WeightsFileName = "adapter_model.safetensors";

    /// <summary>The prefix PEFT puts before every model key: <c>base_model.model.</c>.</summary>
    public const string KeyPrefix = "base_model.model.";

    private readonly List<KeyValuePair<string, LoraLinear>> _layers;

    private LoraAdapter(CausalLM model, LoraSettings settings, List<KeyValuePair<string, LoraLinear>> layers)
    {
        Model = model;
        Settings = settings;
        _layers = layers;
    }

    /// <summary>The adapted model.</summary>
    public CausalLM Model { get; }

    /// <summary>The adapter's hyper-parameters.</summary>
    public LoraSettings Settings { get; }

    /// <summary>The adapted projections by path (e.g. <c>model.layers.0.self_attn.q_proj</c>), in model order.</summary>
    public IReadOnlyList<KeyValuePair<string, LoraLinear>> Layers => _layers;

    /// <summary>Whether the low-rank updates are applied. False runs the frozen base model.</summary>
    /// <exception cref="InvalidOperationException">Set to false while <see cref="Merged"/>.</exception>
    public bool Enabled
    {
        get => _layers.Count == 0 || _layers[0].Value.Enabled;
        set
        {
            if (!value && Merged) throw new InvalidOperationException("The adapter is merged into the base weights; call Unmerge() before disabling it.");
            foreach (var (_, layer) in _layers) layer.Enabled = value;
        }
    }

    /// <summary>Whether the updates are folded into the base weights.</summary>
    public bool Merged => _layers.Count > 0 && _layers[0].Value.Merged;

    /// <summary>
    /// Whether every B is zero, so that the adapted model computes exactly what the base model does (true right after
    /// <see cref="Inject"/>, until the first optimizer step). Reads every B from the device.
    /// </summary>
    internal bool IsIdentity => _layers.All(l =>
    {
        using var nonZero = l.Value.LoraB.count_nonzero();
        return nonZero.item<long>() == 0;
    });

    /// <summary>The trainable adapter parameters (every A and B), in model order.</summary>
    public IReadOnlyList<Parameter> Parameters => [.. _layers.SelectMany(l => new[] { l.Value.LoraA, l.Value.LoraB })];

    /// <summary>
    /// Wraps the targeted projections of <paramref name="model"/> with fresh LoRA layers (A random, B zero, so the
    /// model's outputs are unchanged) and freezes every parameter of the model except the adapters.
    /// </summary>
    /// <param name="model">The model; must not already hold LoRA layers.</param>
    /// <param name="settings">Rank, alpha, dropout and targets.</param>
    /// <param name="seed">Seeds the draw of every A; the same seed gives the same adapter.</param>
    /// <returns>The adapter.</returns>
    /// <exception cref="ArgumentException">The settings are invalid.</exception>
    /// <exception cref="InvalidOperationException">The model already has LoRA layers, or a targeted slot does not hold a <see cref="Linear"/>.</exception>
    public static LoraAdapter Inject(CausalLM model, LoraSettings settings, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(settings);
        var targets = settings.ResolveTargets();
        var slots = model.NamedProjections().ToList();
        if (slots.Any(s => s.Module is LoraLinear))
        {
            throw new InvalidOperationException("The model already holds LoRA layers; inject one adapter per model.");
        }

        foreach (var (path, module) in slots)
        {
            if (targets.Contains(LastSegment(path)) && module is not Linear)
            {
                throw new InvalidOperationException($"Projection '{path}' holds a {module.GetType().Name}, not a Linear layer; LoRA wraps Linear layers only.");
            }
        }

        foreach (var p in model.parameters()) p.requires_grad = false;
        using var generator = new Generator(unchecked((ulong)seed), CPU);
        var layers = new List<KeyValuePair<string, LoraLinear>>();
        foreach (var (path, module) in slots)
        {
            if (!targets.Contains(LastSegment(path))) continue;
            var lora = new LoraLinear((Linear)module, settings.Rank, settings.Alpha, settings.Dropout, settings.UseRsLora, generator);
            model.ReplaceProjection(path, lora);
            layers.Add(new(path, lora));
        }

        return new LoraAdapter(model, settings, layers);
    }

    /// <summary>
    /// Reads a PEFT LoRA adapter folder, injects matching layers into <paramref name="model"/> and loads A and B.
    /// Tensors of <c>modules_to_save</c> are not touched here (see <see cref="ReadModuleToSave"/>).
    /// </summary>
    /// <param name="model">The base model the adapter was trained on; must not already hold LoRA layers.</param>
    /// <param name="directory">The folder with <c>adapter_config.json</c> and <c>adapter_model.safetensors</c>.</param>
    /// <returns>The adapter, enabled.</returns>
    /// <exception cref="FileNotFoundException">A file is missing.</exception>
    /// <exception cref="CheckpointException">The config is unsupported, a LoRA tensor is missing or mis-shaped, or the file holds a LoRA tensor for a layer this model does not have; the message names the file and tensor.</exception>
    public static LoraAdapter Load(CausalLM model, string directory)
    {
        ArgumentNullException.ThrowIfNull(model);
        var config = PeftAdapterConfig.Load(directory);
        var adapter = Inject(model, config.Settings);
        adapter.LoadWeights(directory);
        return adapter;
    }

    /// <summary>
    /// Reads a module saved with the adapter (PEFT's <c>modules_to_save</c>), such as a reward head.
    /// </summary>
    /// <param name="directory">The adapter folder.</param>
    /// <param name="moduleName">The module, e.g. <c>score</c>.</param>
    /// <param name="device">Where to put the tensors; null for the CPU.</param>
    /// <returns>The module's tensors by module-relative name (e.g. <c>weight</c>); empty when the file has none. The caller disposes them.</returns>
    /// <exception cref="FileNotFoundException">The weights file is missing.</exception>
    public static IReadOnlyDictionary<string, Tensor> ReadModuleToSave(string directory, string moduleName, Device? device = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        ArgumentException.ThrowIfNullOrWhiteSpace(moduleName);
        string file = WeightsPath(directory);
        using var weights = SafetensorsFile.Open(file);
        string plain = KeyPrefix + moduleName + ".";
        string wrapped = plain + "modules_to_save.default.";
        var result = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        foreach (var name in weights.Tensors.Keys)
        {
            string? relative = name.StartsWith(wrapped, StringComparison.Ordinal) ? name[wrapped.Length..]
                : name.StartsWith(plain, StringComparison.Ordinal) && !name.Contains(".lora_", StringComparison.Ordinal) ? name[plain.Length..]
                : null;
            if (relative is null || relative.StartsWith("original_module.", StringComparison.Ordinal)) continue;
            result[relative] = weights.ReadTensor(name, null, device);
        }

        return result;
    }

    /// <summary>
    /// Loads A and B of every layer from <c>adapter_model.safetensors</c>. Everything is validated before any weight
    /// changes, so a failure leaves the adapter as it was.
    /// </summary>
    /// <param name="directory">The adapter folder.</param>
    /// <exception cref="CheckpointException">A tensor is missing, mis-shaped, or names a layer this adapter lacks.</exception>
    public void LoadWeights(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (Merged) throw new InvalidOperationException("Unmerge the adapter before loading weights into it.");
        string file = WeightsPath(directory);
        using var weights = SafetensorsFile.Open(file);
        var expected = new Dictionary<string, Parameter>(StringComparer.Ordinal);
        foreach (var (path, layer) in _layers)
        {
            expected[KeyPrefix + path + ".lora_A.weight"] = layer.LoraA;
            expected[KeyPrefix + path + ".lora_B.weight"] = layer.LoraB;
        }

        foreach (var name in weights.Tensors.Keys)
        {
            if (name.Contains(".lora_", StringComparison.Ordinal) && !expected.ContainsKey(name))
            {
                throw new CheckpointException(
                    $"Adapter weights '{file}' hold '{name}', which matches no LoRA layer of this model (targets: {string.Join(", ", Settings.ResolveTargets())}, {Model.Config.NumHiddenLayers} layers).",
                    file, name);
            }
        }

        foreach (var (name, param) in expected)
        {
            if (!weights.Contains(name)) throw new CheckpointException($"Adapter weights '{file}' lack '{name}' (shape {Shape(param)}).", file, name);
            var info = weights.Tensors[name];
            if (!info.Shape.SequenceEqual(param.shape))
            {
                throw new CheckpointException($"Tensor '{name}' in '{file}' has shape {info.ShapeText}, but the adapter expects {Shape(param)} (r = {Settings.Rank}).", file, name);
            }
        }

        var fresh = new List<(Parameter Param, Tensor Value)>();
        try
        {
            foreach (var (name, param) in expected) fresh.Add((param, weights.ReadTensor(name, param.dtype, param.device)));
            using var noGrad = no_grad();
            foreach (var (param, value) in fresh) param.copy_(value);
        }
        finally
        {
            foreach (var (_, value) in fresh) value.Dispose();
        }
    }

    /// <summary>
    /// Writes the adapter in PEFT's format: <c>adapter_config.json</c> and <c>adapter_model.safetensors</c> (each
    /// atomically), so that <c>PeftModel.from_pretrained(base, directory)</c> opens it.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <param name="modulesToSave">
    /// Tensors of fully trained modules by model key (e.g. <c>score.weight</c>); each module must be listed in
    /// <see cref="LoraSettings.ModulesToSave"/>, and every listed module must have a tensor. Written as
    /// <c>base_model.model.{key}</c>.
    /// </param>
    /// <param name="taskType">PEFT's <c>task_type</c> (e.g. <see cref="PeftAdapterConfig.SequenceClassificationTask"/>).</param>
    /// <param name="baseModelNameOrPath">Recorded as <c>base_model_name_or_path</c>.</param>
    /// <param name="dtype">Store tensors in this dtype; null keeps theirs.</param>
    /// <exception cref="ArgumentException">The modules to save do not match <see cref="LoraSettings.ModulesToSave"/>.</exception>
    public void Save(
        string directory,
        IEnumerable<KeyValuePair<string, Tensor>>? modulesToSave = null,
        string? taskType = null,
        string? baseModelNameOrPath = null,
        ScalarType? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        var extra = (modulesToSave ?? []).ToList();
        var listed = new HashSet<string>(Settings.ModulesToSave, StringComparer.Ordinal);
        var covered = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (key, _) in extra)
        {
            int dot = key.IndexOf('.', StringComparison.Ordinal);
            string module = dot < 0 ? key : key[..dot];
            if (!listed.Contains(module))
            {
                throw new ArgumentException($"Tensor '{key}' belongs to module '{module}', which is not in the adapter's modules_to_save ({string.Join(", ", listed)}).", nameof(modulesToSave));
            }

            covered.Add(module);
        }

        var missing = listed.Except(covered).ToList();
        if (missing.Count > 0)
        {
            throw new ArgumentException($"modules_to_save lists {string.Join(", ", missing)} but no tensor of it was given.", nameof(modulesToSave));
        }

        Directory.CreateDirectory(directory);
        var tensors = new List<KeyValuePair<string, Tensor>>();
        foreach (var (path, layer) in _layers)
        {
            tensors.Add(new(KeyPrefix + path + ".lora_A.weight", layer.LoraA));
            tensors.Add(new(KeyPrefix + path + ".lora_B.weight", layer.LoraB));
        }

        foreach (var (key, value) in extra) tensors.Add(new(KeyPrefix + key, value));
        SafetensorsWriter.Write(Path.Combine(directory, WeightsFileName), tensors, dtype);
        new PeftAdapterConfig { Settings = Settings, TaskType = taskType, BaseModelNameOrPath = baseModelNameOrPath }.Save(directory);
    }

    /// <summary>Folds every update into its base weight (faster inference; outputs unchanged up to rounding).</summary>
    /// <exception cref="InvalidOperationException">The adapter is disabled.</exception>
    public void Merge()
    {
        foreach (var (_, layer) in _layers) layer.Merge();
    }

    /// <summary>Takes every update out of its base weight again.</summary>
    public void Unmerge()
    {
        foreach (var (_, layer) in _layers) layer.Unmerge();
    }

    /// <summary>Disables the adapter until the returned scope is disposed (PEFT's <c>disable_adapter()</c>).</summary>
    /// <returns>A scope that restores the previous state.</returns>
    /// <exception cref="InvalidOperationException">The adapter is merged.</exception>
    public IDisposable DisableAdapter()
    {
        bool previous = Enabled;
        Enabled = false;
        return new RestoreScope(this, previous);
    }

    /// <summary>
    /// The model's weights as the plain model would have them, LoRA folded in: Hugging Face names
    /// (<c>…q_proj.weight</c>, no <c>base_layer</c>, no LoRA tensors). Merged weights are new tensors created in the
    /// current dispose scope (call inside <c>torch.NewDisposeScope()</c>); the others are the model's own parameters.
    /// </summary>
    /// <returns>The state dict by HF name.</returns>
    public IReadOnlyList<KeyValuePair<string, Tensor>> MergedStateDict()
    {
        var byBase = _layers.ToDictionary(l => l.Key + ".base_layer.weight", l => l.Value, StringComparer.Ordinal);
        var result = new List<KeyValuePair<string, Tensor>>();
        foreach (var (name, tensor) in Model.state_dict())
        {
            if (name.Contains(".lora_A.", StringComparison.Ordinal) || name.Contains(".lora_B.", StringComparison.Ordinal)) continue;
            string plain = name.Replace(".base_layer.", ".", StringComparison.Ordinal);
            if (byBase.TryGetValue(name, out var layer))
            {
                result.Add(new(plain, layer.MergedWeight()));
            }
            else
            {
                result.Add(new(plain, tensor));
            }
        }

        return result;
    }

    /// <summary>
    /// Saves the model with the adapter merged as a plain Hugging Face folder (<c>config.json</c> +
    /// <c>model.safetensors</c>) that transformers opens without PEFT.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <param name="dtype">Store floating-point tensors in this dtype; null keeps the model dtype.</param>
    public void SaveMergedPretrained(string directory, ScalarType? dtype = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        using var scope = NewDisposeScope();
        SafetensorsCheckpoint.Save(directory, MergedStateDict(), dtype);
        Model.Config.Save(directory, CausalLM.DTypeName(dtype ?? Model.DType));
    }

    internal static string WeightsPath(string directory)
    {
        string file = Directory.Exists(directory) ? Path.Combine(directory, WeightsFileName) : directory;
        if (!File.Exists(file)) throw new FileNotFoundException($"Adapter weights '{file}' do not exist.", file);
        return file;
    }

    private static string LastSegment(string path) => path[(path.LastIndexOf('.') + 1)..];

    private static string Shape(Tensor t) => SafetensorsTensorInfo.FormatShape(t.shape);

    private sealed class RestoreScope(LoraAdapter adapter, bool previous) : IDisposable
    {
        private bool _disposed;

        public void Dispose()
        {
            if (_disposed) return;
            _disposed = true;
            adapter.Enabled = previous;
        }
    }
}
