namespace Plus.Torch.Training;

/// <summary>Which set of defaults fills the training options a user leaves unset.</summary>
public enum TrainingPreset
{
    /// <summary>The tiny preset for models under 50M parameters (the embedded default model has 1.6M), the paper's otherwise.</summary>
    Auto = 0,

    /// <summary>Values for small models trained from scratch on a CPU (e.g. learning rate 5e-4).</summary>
    Tiny = 1,

    /// <summary>The paper's values for 0.5B-3B models (appendix B, e.g. learning rate 9e-6).</summary>
    Paper = 2,
}
