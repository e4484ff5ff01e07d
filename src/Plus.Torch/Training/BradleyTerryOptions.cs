using System.Globalization;
using Plus.Torch.Lora;

namespace Plus.Torch.Training;

/// <summary>
/// Options of <see cref="BradleyTerryTrainer"/>, bound from <c>Plus:Torch:BradleyTerry</c>. Defaults follow the paper
/// (appendix B: Adam β (0.9, 0.95), cosine schedule with 3 % warm-up and a 0.1 floor, gradient norm 1.0); the learning
/// rate comes from <see cref="Preset"/> unless set: the paper's 9e-6 suits 0.5B-3B models, the tiny preset's 5e-4 suits
/// small models such as the embedded default (see docs/training.md).
/// </summary>
public sealed class BradleyTerryOptions : IValidatableOptions
{
    /// <summary>The configuration section: <c>Plus:Torch:BradleyTerry</c>.</summary>
    public const string SectionName = "Plus:Torch:BradleyTerry";

    /// <summary>The learning rate of the tiny preset: 5e-4.</summary>
    public const double TinyLearningRate = 5e-4;

    /// <summary>The paper's reward-model learning rate: 9e-6.</summary>
    public const double PaperLearningRate = 9e-6;

    /// <summary>Models with fewer parameters than this get the tiny preset under <see cref="TrainingPreset.Auto"/>: 50 million.</summary>
    public const long TinyParameterLimit = 50_000_000;

    /// <summary>
    /// What the reward model is told about the user: <see cref="ConditioningKind.None"/> (BTL, the default),
    /// <see cref="ConditioningKind.Context"/> (ICL) or <see cref="ConditioningKind.Oracle"/>. Summaries (PLUS-untrained)
    /// are trained by <see cref="PlusTrainer"/> with <see cref="PlusTrainerOptions.TrainSummarizer"/> off.
    /// </summary>
    public ConditioningKind Kind { get; set; } = ConditioningKind.None;

    /// <summary>The method's display name; null uses BTL, ICL, Oracle or PLUS-untrained after <see cref="Kind"/>.</summary>
    public string? Name { get; set; }

    /// <summary>Passes over the training examples (default 1).</summary>
    public int Epochs { get; set; } = 1;

    /// <summary>Stop after this many optimizer steps; 0 (default) runs <see cref="Epochs"/> full epochs.</summary>
    public int MaxSteps { get; set; }

    /// <summary>Pairs per optimizer step (default 32).</summary>
    public int BatchSize { get; set; } = 32;

    /// <summary>Pairs per forward pass; gradients of <c>BatchSize / MicroBatchSize</c> micro-batches accumulate. 0 (default) = <see cref="BatchSize"/>.</summary>
    public int MicroBatchSize { get; set; }

    /// <summary>
    /// Most padded tokens (2 × pairs × longest sequence) per forward (<see cref="BradleyTerryStep.MaxTokensPerMicroBatch"/>):
    /// a batch over the budget is cut into length-sorted micro-batches, so peak activation memory is bounded by the
    /// budget instead of by the batch's longest text times its size; a batch within it runs as one forward in batch
    /// order, exactly as without a budget. Default 32,768 (the Pets batches of the documented results fit it whole);
    /// 0 turns the budget off. Used by the Bradley-Terry trainers (BTL, ICL, Oracle); the DPL and VPL steps split by
    /// <see cref="MicroBatchSize"/> only.
    /// </summary>
    public int MaxTokensPerMicroBatch { get; set; } = DefaultMaxTokensPerMicroBatch;

    /// <summary>
    /// Label smoothing ε of the Bradley-Terry loss (<see cref="BradleyTerryStep.LabelSmoothing"/>; default 0, the plain
    /// loss), in [0, 0.5): the label says "chosen" with probability 1 − ε, so no pair is pulled apart beyond the margin
    /// log((1 − ε) / ε).
    /// </summary>
    public double LabelSmoothing { get; set; }

    /// <summary>The default token budget of a forward: 32,768 padded tokens.</summary>
    public const int DefaultMaxTokensPerMicroBatch = 32_768;

    /// <summary>Which values fill the options left unset (the learning rate): <see cref="TrainingPreset.Auto"/> (default) picks the tiny preset for models under <see cref="TinyParameterLimit"/> parameters, the paper's otherwise.</summary>
    public TrainingPreset Preset { get; set; } = TrainingPreset.Auto;

    /// <summary>Peak learning rate; null (default) takes the preset's: <see cref="TinyLearningRate"/> or <see cref="PaperLearningRate"/>.</summary>
    public double? LearningRate { get; set; }

    /// <summary>Warm-up share of the steps, in [0, 1) (default 0.03).</summary>
    public double WarmupFraction { get; set; } = 0.03;

    /// <summary>Cosine floor as a fraction of the peak, in [0, 1] (default 0.1).</summary>
    public double MinLearningRateRatio { get; set; } = 0.1;

    /// <summary>Adam β₁ (default 0.9).</summary>
    public double Beta1 { get; set; } = 0.9;

    /// <summary>Adam β₂ (default 0.95).</summary>
    public double Beta2 { get; set; } = 0.95;

    /// <summary>Adam ε (default 1e-8).</summary>
    public double Epsilon { get; set; } = 1e-8;

    /// <summary>Decoupled weight decay on weights, not on biases and norms (default 0).</summary>
    public double WeightDecay { get; set; }

    /// <summary>Clip the global gradient norm to this (default 1.0).</summary>
    public double MaxGradNorm { get; set; } = 1.0;

    /// <summary>Train a LoRA adapter (plus the head) instead of every weight; null (default) fine-tunes fully.</summary>
    public LoraSettings? Lora { get; set; }

    /// <summary>Evaluate on the held-out examples every this many steps; 0 (default) evaluates at the end only.</summary>
    public int EvalEvery { get; set; }

    /// <summary>Sequences per forward during evaluation (default 64).</summary>
    public int EvalBatchSize { get; set; } = 64;

    /// <summary>Where checkpoints go (a <see cref="CheckpointStore"/>); null (default) writes none.</summary>
    public string? CheckpointDirectory { get; set; }

    /// <summary>Write a checkpoint every this many steps; 0 (default) only at the end and on cancellation.</summary>
    public int CheckpointEvery { get; set; }

    /// <summary>Checkpoints kept (default 3).</summary>
    public int KeepCheckpoints { get; set; } = 3;

    /// <summary>Continue from the latest checkpoint in <see cref="CheckpointDirectory"/> when there is one (default true).</summary>
    public bool Resume { get; set; } = true;

    /// <summary>
    /// Where per-step metrics are appended as JSON lines; null writes <c>metrics.jsonl</c> into
    /// <see cref="CheckpointDirectory"/> when that is set, else nowhere.
    /// </summary>
    public string? MetricsPath { get; set; }

    /// <summary>Seeds data order, LoRA initialization and dropout; null (default) takes <c>Plus:Seed</c> through DI, else 42.</summary>
    public int? Seed { get; set; }

    /// <summary>Log a progress line every this many steps (default 10).</summary>
    public int LogEvery { get; set; } = 10;

    /// <summary>The name used when <see cref="Name"/> is null: BTL, ICL, Oracle or PLUS-untrained.</summary>
    public string EffectiveName => Name ?? Plus.Training.PreferenceMethods.ForConditioning(Kind);

    /// <summary>The seed in effect: <see cref="Seed"/> or 42.</summary>
    public int EffectiveSeed => Seed ?? 42;

    /// <summary>The learning rate in effect for a model of <paramref name="parameterCount"/> parameters.</summary>
    /// <param name="parameterCount">The reward model's parameter count.</param>
    /// <returns><see cref="LearningRate"/>, else the preset's.</returns>
    public double EffectiveLearningRate(long parameterCount) => LearningRate ?? (Preset switch
    {
        TrainingPreset.Tiny => TinyLearningRate,
        TrainingPreset.Paper => PaperLearningRate,
        _ => parameterCount < TinyParameterLimit ? TinyLearningRate : PaperLearningRate,
    });

    /// <summary>The shared loop's settings for a run with these options (every reward-model trainer uses this).</summary>
    /// <param name="method">The method's name.</param>
    /// <param name="exampleCount">Training examples.</param>
    /// <param name="seed">The seed in effect.</param>
    /// <param name="hasEval">Whether held-out examples are given.</param>
    /// <param name="fingerprint">The run's fingerprint.</param>
    /// <returns>The settings (order <see cref="TrainingOrder.RandomKeys"/>; a caller may change it with <c>with</c>).</returns>
    public TrainingLoopSettings ToLoopSettings(string method, int exampleCount, int seed, bool hasEval, RunFingerprint fingerprint) => new()
    {
        Method = method,
        ExampleCount = exampleCount,
        BatchSize = BatchSize,
        Epochs = Epochs,
        MaxSteps = MaxSteps,
        Seed = seed,
        CheckpointDirectory = CheckpointDirectory,
        CheckpointEvery = CheckpointEvery,
        KeepCheckpoints = KeepCheckpoints,
        Resume = Resume,
        MetricsPath = MetricsPath ?? (CheckpointDirectory is null ? null : Path.Combine(CheckpointDirectory, "metrics.jsonl")),
        EvalEvery = EvalEvery,
        HasEval = hasEval,
        LogEvery = LogEvery,
        Fingerprint = fingerprint,
    };

    /// <summary>
    /// The options that change a run's result, as JSON: hashed into the run's fingerprint and recorded in the saved
    /// model's manifest. Trainers add their own keys (the conditioning kind, a DPL head, VPL's sizes).
    /// </summary>
    /// <param name="method">The method's name.</param>
    /// <param name="model">The reward model (its prompts, input length and chat format are part of the run).</param>
    /// <param name="learningRate">The learning rate in effect.</param>
    /// <param name="seed">The seed in effect.</param>
    /// <returns>A new object.</returns>
    public System.Text.Json.Nodes.JsonObject ToRunJson(string method, Reward.ConditionedRewardModel model, double learningRate, int seed)
    {
        ArgumentNullException.ThrowIfNull(model);
        var encoder = model.Encoder;
        var json = new System.Text.Json.Nodes.JsonObject
        {
            ["method"] = method,
            ["epochs"] = Epochs,
            ["max_steps"] = MaxSteps,
            ["batch_size"] = BatchSize,
            ["learning_rate"] = learningRate,
            ["warmup_fraction"] = WarmupFraction,
            ["min_learning_rate_ratio"] = MinLearningRateRatio,
            ["beta1"] = Beta1,
            ["beta2"] = Beta2,
            ["epsilon"] = Epsilon,
            ["weight_decay"] = WeightDecay,
            ["max_grad_norm"] = MaxGradNorm,
            ["lora"] = Lora is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(Lora),
            ["seed"] = seed,
            ["domain"] = encoder.Renderer.Prompts.Domain.ToString(),
            ["prompts"] = System.Text.Json.JsonSerializer.SerializeToNode(encoder.Renderer.Prompts.Templates),
            ["max_sequence_length"] = encoder.MaxLength,
            ["chat_format"] = encoder.Formatter.Name,
        };

        // Settings added later appear only when used, so a run of an earlier version keeps its fingerprint.
        if (LabelSmoothing > 0) json["label_smoothing"] = LabelSmoothing;
        if (encoder.SubjectLines) json["subject_lines"] = true;
        return json;
    }

    /// <summary>The paper's values (appendix B) for 0.5B-3B models.</summary>
    /// <returns>New options with <see cref="Preset"/> Paper.</returns>
    public static BradleyTerryOptions Paper() => new() { Preset = TrainingPreset.Paper };

    /// <summary>Values for small models trained from scratch, such as the embedded default model.</summary>
    /// <returns>New options with <see cref="Preset"/> Tiny.</returns>
    public static BradleyTerryOptions Tiny() => new() { Preset = TrainingPreset.Tiny };

    /// <summary>Checks every option.</summary>
    /// <returns>One message per problem, each naming the option (e.g. <c>Plus:Torch:BradleyTerry:BatchSize must be at least 1, found 0.</c>); empty when valid.</returns>
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        void AtLeast(string name, double value, double min)
        {
            if (!(value >= min)) errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{name} must be at least {min}, found {value}."));
        }

        void InRange(string name, double value, double min, double max, bool maxInclusive)
        {
            bool ok = value >= min && (maxInclusive ? value <= max : value < max);
            if (!ok) errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{name} must lie in [{min}, {max}{(maxInclusive ? "]" : ")")}, found {value}."));
        }

        if (!Enum.IsDefined(Kind) || Kind == ConditioningKind.Summary)
            errors.Add($"{SectionName}:{nameof(Kind)} must be None (BTL), Context (ICL) or Oracle, found {Kind}; summaries (PLUS-untrained) are trained by PlusTrainer with TrainSummarizer = false.");
        if (!Enum.IsDefined(Preset)) errors.Add($"{SectionName}:{nameof(Preset)} must be Auto, Tiny or Paper, found {Preset}.");
        if (Name is not null && string.IsNullOrWhiteSpace(Name)) errors.Add($"{SectionName}:{nameof(Name)} must not be blank.");
        AtLeast(nameof(Epochs), Epochs, 1);
        AtLeast(nameof(MaxSteps), MaxSteps, 0);
        AtLeast(nameof(BatchSize), BatchSize, 1);
        AtLeast(nameof(MicroBatchSize), MicroBatchSize, 0);
        AtLeast(nameof(MaxTokensPerMicroBatch), MaxTokensPerMicroBatch, 0);
        if (MicroBatchSize > BatchSize) errors.Add($"{SectionName}:{nameof(MicroBatchSize)} ({MicroBatchSize}) must not exceed {nameof(BatchSize)} ({BatchSize}).");
        if (LearningRate is { } lr && (!(lr > 0) || !double.IsFinite(lr))) errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{nameof(LearningRate)} must be a positive number, found {LearningRate}."));
        InRange(nameof(WarmupFraction), WarmupFraction, 0, 1, maxInclusive: false);
        InRange(nameof(MinLearningRateRatio), MinLearningRateRatio, 0, 1, maxInclusive: true);
        InRange(nameof(Beta1), Beta1, 0, 1, maxInclusive: false);
        InRange(nameof(Beta2), Beta2, 0, 1, maxInclusive: false);
        if (!(Epsilon > 0)) errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{nameof(Epsilon)} must be positive, found {Epsilon}."));
        AtLeast(nameof(WeightDecay), WeightDecay, 0);
        if (!(MaxGradNorm > 0)) errors.Add(string.Create(CultureInfo.InvariantCulture, $"{SectionName}:{nameof(MaxGradNorm)} must be positive, found {MaxGradNorm}."));
        InRange(nameof(LabelSmoothing), LabelSmoothing, 0, 0.5, maxInclusive: false);
        if (Lora is not null)
        {
            try
            {
                Lora.Validate();
            }
            catch (ArgumentException ex)
            {
                errors.Add($"{SectionName}:{nameof(Lora)}: {ex.Message}");
            }
        }

        AtLeast(nameof(EvalEvery), EvalEvery, 0);
        AtLeast(nameof(EvalBatchSize), EvalBatchSize, 1);
        AtLeast(nameof(CheckpointEvery), CheckpointEvery, 0);
        AtLeast(nameof(KeepCheckpoints), KeepCheckpoints, 1);
        if (Seed is { } seed) AtLeast(nameof(Seed), seed, 0);
        AtLeast(nameof(LogEvery), LogEvery, 1);
        if (CheckpointDirectory is not null && string.IsNullOrWhiteSpace(CheckpointDirectory)) errors.Add($"{SectionName}:{nameof(CheckpointDirectory)} must not be blank (use null for none).");
        if (MetricsPath is not null && string.IsNullOrWhiteSpace(MetricsPath)) errors.Add($"{SectionName}:{nameof(MetricsPath)} must not be blank (use null).");
        return errors;
    }

    /// <summary>A copy of these options.</summary>
    /// <returns>A new instance with the same values (the LoRA settings are immutable and shared).</returns>
    public BradleyTerryOptions Clone() => (BradleyTerryOptions)MemberwiseClone();
}
