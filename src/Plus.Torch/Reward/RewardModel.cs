using System.Text.Json;
using System.Text.Json.Nodes;
using Plus.Torch.Checkpoints;
using Plus.Torch.Lora;
using Plus.Torch.Modeling;
using TorchSharp;
using TorchSharp.Modules;
using TorchSharp.Utils;
using static TorchSharp.torch;

namespace Plus.Torch.Reward;

/// <summary>
/// A scalar reward model: a decoder backbone (<see cref="CausalLM"/>, fully trainable or with a LoRA adapter) and a
/// head <c>score</c> [1, hidden] without bias, read at the <b>last attended token</b> of each row — HF's
/// <c>Qwen2ForSequenceClassification</c> / <c>LlamaForSequenceClassification</c> with <c>num_labels = 1</c>.
/// </summary>
/// <remarks>
/// <para>The last attended token is found from the attention mask (the highest position whose mask is 1), never from
/// the first pad id, so left padding, right padding and pad == end-of-turn (Qwen) all read the right token.</para>
/// <para>Module names: <c>backbone.*</c> (the <see cref="CausalLM"/>'s HF names below it) and <c>score.weight</c>.
/// <see cref="SavePretrained"/> writes HF names (<c>model.*</c>, <c>score.weight</c>) with any LoRA update merged;
/// <see cref="SaveAdapter"/> writes a PEFT adapter with <c>score</c> in <c>modules_to_save</c>.</para>
/// <para>For a PPO critic, <see cref="ForwardTokenScores"/> applies the head at every position and
/// <see cref="CreateMergedCopy"/> gives an independent copy (backbone + head, LoRA folded in).</para>
/// <para>Scores are fp32 whatever the model dtype. Not thread-safe; the model owns its backbone and head and disposes
/// them with itself.</para>
/// </remarks>
public sealed class RewardModel : nn.Module
{
    /// <summary>The head's module name: <c>score</c>.</summary>
    public const string ScoreModuleName = "score";

    [ComponentName(Name = "backbone")]
    private readonly CausalLM _backbone;

    [ComponentName(Name = "score")]
    private readonly Linear _score;

    /// <summary>Combines a backbone and a head; the model owns both from now on.</summary>
    /// <param name="backbone">The decoder.</param>
    /// <param name="score">A linear layer [hidden → 1] without bias, on the backbone's device.</param>
    /// <param name="config">The architecture to record when saving; null uses the backbone's.</param>
    /// <exception cref="ArgumentException">The head does not map hidden → 1 or has a bias.</exception>
    public RewardModel(CausalLM backbone, Linear score, DecoderConfig? config = null) : base("RewardModel")
    {
        ArgumentNullException.ThrowIfNull(backbone);
        ArgumentNullException.ThrowIfNull(score);
        var w = score.weight ?? throw new ArgumentException("The score head has no weight.", nameof(score));
        if (w.ndim != 2 || w.shape[0] != 1 || w.shape[1] != backbone.Config.HiddenSize)
        {
            throw new ArgumentException($"The score head must be [1, {backbone.Config.HiddenSize}], found {SafetensorsTensorInfo.FormatShape(w.shape)}.", nameof(score));
        }

        if (score.bias is not null) throw new ArgumentException("The score head must not have a bias (HF sequence classifiers have none).", nameof(score));
        _backbone = backbone;
        _score = score;
        Config = config ?? backbone.Config;
        RegisterComponents();
    }

    /// <summary>The architecture written by <see cref="SavePretrained"/>.</summary>
    public DecoderConfig Config { get; }

    /// <summary>The decoder. With LoRA enabled its projections are <see cref="LoraLinear"/> layers.</summary>
    public CausalLM Backbone => _backbone;

    /// <summary>The head <c>score</c>: hidden → 1, no bias.</summary>
    public Linear ScoreHead => _score;

    /// <summary>The head's weight [1, hidden] (<c>score.weight</c>).</summary>
    public Parameter ScoreWeight => _score.weight!;

    /// <summary>The Hugging Face folder the model was loaded from (null for a model built in memory).</summary>
    public string? SourceDirectory { get; set; }

    /// <summary>
    /// False while the score head is freshly drawn (a causal-LM folder or <see cref="Create"/>); true once it was read
    /// from a reward checkpoint or an adapter, or a trainer set it after training. Inference flows refuse an untrained head.
    /// </summary>
    public bool HeadTrained { get; set; }

    /// <summary>The LoRA adapter of the backbone, or null for full fine-tuning.</summary>
    public LoraAdapter? Lora { get; private set; }

    /// <summary>The device of the parameters.</summary>
    public Device Device => _backbone.Device;

    /// <summary>The parameter dtype.</summary>
    public ScalarType DType => _backbone.DType;

    /// <summary>A model with random weights: the backbone as <see cref="CausalLM.Create"/> draws it, the head from N(0, 0.02²).</summary>
    /// <param name="config">The architecture.</param>
    /// <param name="seed">Seeds backbone and head.</param>
    /// <param name="device">The device; null for the CPU.</param>
    /// <param name="dtype">The parameter dtype.</param>
    /// <returns>The model; the caller disposes it.</returns>
    public static RewardModel Create(DecoderConfig config, long seed, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        ArgumentNullException.ThrowIfNull(config);
        var backbone = CausalLM.Create(config with { TieWordEmbeddings = true }, seed, device, dtype);
        return WithNewHead(backbone, seed + 1, config);
    }

    /// <summary>
    /// Starts a reward model from a language model (the usual start: an instruction-tuned LM), adding a fresh head
    /// drawn from N(0, 0.02²). The LM's head (<c>lm_head</c>, when untied) is not used: it is frozen and left out when saving.
    /// </summary>
    /// <param name="backbone">The language model; the reward model owns it from now on.</param>
    /// <param name="headSeed">Seeds the head.</param>
    /// <returns>The model; the caller disposes it.</returns>
    public static RewardModel FromCausalLM(CausalLM backbone, long headSeed = 0)
    {
        ArgumentNullException.ThrowIfNull(backbone);
        if (!backbone.Config.TieWordEmbeddings) backbone.LmHeadWeight.requires_grad = false;
        return WithNewHead(backbone, headSeed, backbone.Config);
    }

    /// <summary>
    /// Loads a Hugging Face folder: a <c>*ForSequenceClassification</c> checkpoint with <c>score.weight</c> [1, hidden].
    /// A causal-LM folder (no <c>score.weight</c>) is accepted only when <paramref name="newHeadSeed"/> is given: a
    /// fresh head is drawn then.
    /// </summary>
    /// <param name="directory">The model folder (<c>config.json</c> + safetensors).</param>
    /// <param name="device">The device; null for the CPU.</param>
    /// <param name="dtype">The parameter dtype; null for fp32.</param>
    /// <param name="newHeadSeed">When set, a folder without <c>score.weight</c> gets a new head drawn with this seed.</param>
    /// <returns>The model; the caller disposes it.</returns>
    /// <exception cref="CheckpointException">
    /// A tensor is missing or mis-shaped, the head has several labels (<c>score.weight</c> [n &gt; 1, hidden]), or the
    /// folder has no head and no seed was given; the message names the file and tensor.
    /// </exception>
    public static RewardModel FromPretrained(string directory, Device? device = null, ScalarType? dtype = null, long? newHeadSeed = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (!Directory.Exists(directory)) throw new DirectoryNotFoundException($"Model folder '{directory}' does not exist.");
        var config = DecoderConfig.Load(directory);
        using var checkpoint = SafetensorsCheckpoint.Open(directory);
        string scoreName = ScoreModuleName + ".weight";
        bool hasScore = checkpoint.Contains(scoreName);
        if (hasScore)
        {
            var info = checkpoint.GetInfo(scoreName);
            if (info.Shape.Count != 2 || info.Shape[1] != config.HiddenSize || info.Shape[0] != 1)
            {
                throw new CheckpointException(
                    $"Tensor '{scoreName}' in '{info.FilePath}' has shape {info.ShapeText}; a reward model needs [1, {config.HiddenSize}] (num_labels = 1).",
                    info.FilePath, scoreName);
            }
        }
        else if (newHeadSeed is null)
        {
            throw new CheckpointException(
                $"'{checkpoint.Source}' has no '{scoreName}': it is not a sequence-classification (reward) checkpoint. Pass newHeadSeed to start a reward model from this language model.",
                checkpoint.Source, scoreName);
        }

        // A reward model never uses lm_head: build the backbone tied so that no [vocab, hidden] head is allocated.
        var backbone = new CausalLM(config with { TieWordEmbeddings = true }, device, dtype ?? ScalarType.Float32);
        RewardModel? model = null;
        try
        {
            backbone.LoadWeights(checkpoint);
            model = hasScore
                ? new RewardModel(backbone, nn.Linear(config.HiddenSize, 1, hasBias: false, backbone.Device, backbone.DType), config)
                : WithNewHead(backbone, newHeadSeed!.Value, config);
            if (hasScore)
            {
                using var value = checkpoint.ReadTensor(scoreName, model.DType, model.Device);
                using var noGrad = no_grad();
                model.ScoreWeight.copy_(value);
            }

            model.SourceDirectory = Path.GetFullPath(directory);
            model.HeadTrained = hasScore;
            return model;
        }
        catch
        {
            if (model is not null) model.Dispose();
            else backbone.Dispose();
            throw;
        }
    }

    /// <summary>The position of the last attended token of each row: the highest index whose mask is non-zero.</summary>
    /// <param name="attentionMask">[B, T], 1 on real tokens (any integer, float or bool dtype).</param>
    /// <returns>[B] int64 (0 for a row without any attended token).</returns>
    public static Tensor LastAttendedIndex(Tensor attentionMask)
    {
        ArgumentNullException.ThrowIfNull(attentionMask);
        if (attentionMask.ndim != 2) throw new ArgumentException($"attentionMask must be [batch, seq], found {SafetensorsTensorInfo.FormatShape(attentionMask.shape)}.", nameof(attentionMask));
        using var scope = NewDisposeScope();
        var positions = arange(attentionMask.shape[1], ScalarType.Int64, attentionMask.device).unsqueeze(0);
        var attended = attentionMask.dtype == ScalarType.Bool ? attentionMask : attentionMask.ne(0);
        return (positions * attended.to(ScalarType.Int64)).argmax(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// Adds a LoRA adapter to the backbone (every backbone weight frozen) and keeps the head trainable;
    /// <c>score</c> is added to the adapter's <c>modules_to_save</c> so that it is saved with it.
    /// </summary>
    /// <param name="settings">Rank, alpha, dropout, targets.</param>
    /// <param name="seed">Seeds the adapter's A matrices.</param>
    /// <returns>The adapter (also <see cref="Lora"/>).</returns>
    /// <exception cref="InvalidOperationException">The model already has an adapter.</exception>
    public LoraAdapter EnableLora(LoraSettings settings, long seed = 0)
    {
        ArgumentNullException.ThrowIfNull(settings);
        if (Lora is not null) throw new InvalidOperationException("The reward model already has a LoRA adapter.");
        var withHead = settings.ModulesToSave.Contains(ScoreModuleName)
            ? settings
            : settings with { ModulesToSave = [.. settings.ModulesToSave, ScoreModuleName] };
        Lora = LoraAdapter.Inject(_backbone, withHead, seed);
        ScoreWeight.requires_grad = true;
        return Lora;
    }

    /// <summary>
    /// Loads a PEFT adapter folder into the backbone and, when the adapter saved it (<c>modules_to_save</c> holds
    /// <c>score</c>), the head. The head stays trainable.
    /// </summary>
    /// <param name="directory">The adapter folder.</param>
    /// <returns>The adapter (also <see cref="Lora"/>).</returns>
    /// <exception cref="CheckpointException">The adapter does not fit the backbone, or it lists <c>score</c> in <c>modules_to_save</c> but lacks its weight.</exception>
    public LoraAdapter LoadAdapter(string directory)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        if (Lora is not null) throw new InvalidOperationException("The reward model already has a LoRA adapter.");
        var config = PeftAdapterConfig.Load(directory);
        var head = LoraAdapter.ReadModuleToSave(directory, ScoreModuleName, Device);
        try
        {
            if (config.Settings.ModulesToSave.Contains(ScoreModuleName) && !head.ContainsKey("weight"))
            {
                string file = LoraAdapter.WeightsPath(directory);
                throw new CheckpointException($"Adapter '{file}' lists '{ScoreModuleName}' in modules_to_save but holds no '{LoraAdapter.KeyPrefix}{ScoreModuleName}.weight'.", file, LoraAdapter.KeyPrefix + ScoreModuleName + ".weight");
            }

            if (head.TryGetValue("weight", out var weight) && !weight.shape.SequenceEqual(ScoreWeight.shape))
            {
                string file = LoraAdapter.WeightsPath(directory);
                throw new CheckpointException($"'{LoraAdapter.KeyPrefix}{ScoreModuleName}.weight' in '{file}' has shape {SafetensorsTensorInfo.FormatShape(weight.shape)}; expected {SafetensorsTensorInfo.FormatShape(ScoreWeight.shape)}.", file, LoraAdapter.KeyPrefix + ScoreModuleName + ".weight");
            }

            Lora = LoraAdapter.Load(_backbone, directory);
            if (head.TryGetValue("weight", out var w))
            {
                using var noGrad = no_grad();
                ScoreWeight.copy_(w.to(ScoreWeight.dtype));
            }

            ScoreWeight.requires_grad = true;
            HeadTrained |= head.ContainsKey("weight");
            return Lora;
        }
        finally
        {
            foreach (var t in head.Values) t.Dispose();
        }
    }

    /// <summary>Scores each row at its last attended token (differentiable).</summary>
    /// <param name="inputIds">[B, T] int64 token ids.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; null when every token is real.</param>
    /// <param name="positionIds">[B, T]; null derives them from the mask (<c>cumsum − 1</c>).</param>
    /// <returns>[B] fp32 rewards (a new tensor).</returns>
    public Tensor Forward(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = NewDisposeScope();
        var hidden = _backbone.ForwardHidden(inputIds, attentionMask, positionIds);
        long b = hidden.shape[0], t = hidden.shape[1], h = hidden.shape[2];
        var index = attentionMask is null
            ? full(b, t - 1, ScalarType.Int64, hidden.device)
            : LastAttendedIndex(attentionMask);
        var last = hidden.gather(1, index.view(b, 1, 1).expand(b, 1, h)).squeeze(1);
        return ApplyHead(last).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The head applied at every position (differentiable), e.g. token values of a PPO critic initialised from this
    /// model. The value at the last attended token equals <see cref="Forward"/>'s score.
    /// </summary>
    /// <param name="inputIds">[B, T] int64 token ids.</param>
    /// <param name="attentionMask">[B, T], 1 on real tokens; null when every token is real.</param>
    /// <param name="positionIds">[B, T]; null derives them from the mask.</param>
    /// <returns>[B, T] fp32 (padded positions hold unspecified finite values).</returns>
    public Tensor ForwardTokenScores(Tensor inputIds, Tensor? attentionMask = null, Tensor? positionIds = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        using var scope = NewDisposeScope();
        var hidden = _backbone.ForwardHidden(inputIds, attentionMask, positionIds);
        return ApplyHead(hidden).squeeze(-1).MoveToOuterDisposeScope();
    }

    /// <summary>
    /// The head applied to hidden states from <see cref="CausalLM.ForwardHidden"/> (for callers that already ran the
    /// backbone).
    /// </summary>
    /// <param name="hidden">[..., hidden].</param>
    /// <returns>[..., 1] fp32.</returns>
    public Tensor ApplyHead(Tensor hidden)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        using var scope = NewDisposeScope();
        var x = hidden.dtype == ScalarType.Float32 ? hidden : hidden.to(ScalarType.Float32);
        var w = ScoreWeight.dtype == ScalarType.Float32 ? (Tensor)ScoreWeight : ScoreWeight.to(ScalarType.Float32);
        return nn.functional.linear(x, w).MoveToOuterDisposeScope();
    }

    /// <summary>The trainable parameters (all of them for full fine-tuning; LoRA matrices and the head with an adapter).</summary>
    /// <returns>The parameters with <c>requires_grad</c>, in module order.</returns>
    public IReadOnlyList<(string Name, Parameter Parameter)> TrainableParameters() =>
        [.. named_parameters().Where(p => p.parameter.requires_grad).Select(p => (p.name, p.parameter))];

    /// <summary>
    /// The weights under Hugging Face names (<c>model.*</c>, <c>score.weight</c>), LoRA merged, <c>lm_head</c> left out.
    /// Merged weights are new tensors in the current dispose scope (call inside <c>torch.NewDisposeScope()</c>).
    /// </summary>
    /// <returns>The state dict.</returns>
    public IReadOnlyList<KeyValuePair<string, Tensor>> HfStateDict()
    {
        var backbone = Lora is not null
            ? Lora.MergedStateDict()
            : [.. _backbone.state_dict()];
        var result = backbone.Where(kv => !kv.Key.StartsWith("lm_head.", StringComparison.Ordinal)).ToList();
        result.Add(new(ScoreModuleName + ".weight", ScoreWeight));
        return result;
    }

    /// <summary>
    /// Saves a Hugging Face <c>*ForSequenceClassification</c> folder (<c>config.json</c> with <c>num_labels</c> 1 +
    /// <c>model.safetensors</c>), LoRA folded in, that transformers' <c>AutoModelForSequenceClassification</c> opens.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <param name="dtype">Store floating-point tensors in this dtype; null keeps the model dtype.</param>
    /// <param name="maxShardBytes">Largest shard; null writes one file.</param>
    public void SavePretrained(string directory, ScalarType? dtype = null, long? maxShardBytes = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(directory);
        using (var scope = NewDisposeScope())
        {
            SafetensorsCheckpoint.Save(directory, HfStateDict(), dtype, maxShardBytes);
        }

        var root = JsonNode.Parse(Config.ToJson(CausalLM.DTypeName(dtype ?? DType)))!.AsObject();
        root["architectures"] = new JsonArray(Config.ModelType == "llama" ? "LlamaForSequenceClassification" : "Qwen2ForSequenceClassification");
        root["id2label"] = new JsonObject { ["0"] = "LABEL_0" };
        root["label2id"] = new JsonObject { ["LABEL_0"] = 0 };
        root.Remove("num_labels");
        var sorted = new JsonObject();
        foreach (var (k, v) in root.OrderBy(p => p.Key, StringComparer.Ordinal)) sorted[k] = v?.DeepClone();
        Plus.Torch.Training.AtomicFile.WriteAllText(Path.Combine(directory, DecoderConfig.FileName), sorted.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }

    /// <summary>
    /// Saves the LoRA adapter in PEFT's format with <c>task_type</c> <c>SEQ_CLS</c> and the head under
    /// <c>modules_to_save</c> (<c>base_model.model.score.weight</c>), so that
    /// <c>PeftModel.from_pretrained(AutoModelForSequenceClassification…, directory)</c> restores the reward model.
    /// </summary>
    /// <param name="directory">The folder (created if missing).</param>
    /// <param name="baseModelNameOrPath">Recorded as <c>base_model_name_or_path</c>.</param>
    /// <exception cref="InvalidOperationException">The model has no adapter.</exception>
    public void SaveAdapter(string directory, string? baseModelNameOrPath = null)
    {
        var lora = Lora ?? throw new InvalidOperationException("The reward model has no LoRA adapter; use SavePretrained for a fully fine-tuned model.");
        lora.Save(directory, [new(ScoreModuleName + ".weight", ScoreWeight)], PeftAdapterConfig.SequenceClassificationTask, baseModelNameOrPath);
    }

    /// <summary>
    /// An independent full copy (backbone and head, LoRA folded in, no adapter), e.g. to initialise a PPO critic from
    /// the reward model. Every parameter of the copy is trainable.
    /// </summary>
    /// <param name="device">The copy's device; null keeps this model's.</param>
    /// <param name="dtype">The copy's dtype; null keeps this model's.</param>
    /// <returns>The copy; the caller disposes it.</returns>
    public RewardModel CreateMergedCopy(Device? device = null, ScalarType? dtype = null)
    {
        var backbone = new CausalLM(_backbone.Config with { TieWordEmbeddings = true }, device ?? Device, dtype ?? DType);
        var head = nn.Linear(Config.HiddenSize, 1, hasBias: false, backbone.Device, backbone.DType);
        var copy = new RewardModel(backbone, head, Config);
        try
        {
            using var scope = NewDisposeScope();
            var source = HfStateDict().ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal);
            using var noGrad = no_grad();
            foreach (var (name, param) in backbone.named_parameters())
            {
                param.copy_(source[name]);
            }

            copy.ScoreWeight.copy_(ScoreWeight);
            return copy;
        }
        catch
        {
            copy.Dispose();
            throw;
        }
    }

    private static RewardModel WithNewHead(CausalLM backbone, long seed, DecoderConfig config)
    {
        var head = nn.Linear(backbone.Config.HiddenSize, 1, hasBias: false, backbone.Device, backbone.DType);
        try
        {
            using var generator = new Generator(unchecked((ulong)seed), CPU);
            using var noGrad = no_grad();
            using var init = empty(head.weight!.shape, ScalarType.Float32).normal_(0, 0.02, generator);
            head.weight!.copy_(init);
            return new RewardModel(backbone, head, config);
        }
        catch
        {
            head.Dispose();
            backbone.Dispose();
            throw;
        }
    }
}
