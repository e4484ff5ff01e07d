using Plus.Baselines.Vpl;
using Plus.Torch.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// Options of <see cref="VplTrainer"/>: the networks and loss (<see cref="Vpl"/>), the training run
/// (<see cref="Training"/>, the Bradley-Terry trainers' knobs; only the networks are optimized, the backbone stays
/// frozen) and the embedding batch size. Bound from the <c>Plus:Baselines:Vpl</c> configuration section.
/// </summary>
public sealed class VplTrainerOptions : IValidatableOptions
{
    /// <summary>The configuration section: <c>Plus:Baselines:Vpl</c>.</summary>
    public const string SectionName = "Plus:Baselines:Vpl";

    /// <summary>Latent and hidden sizes, KL weight, annealing, μ clamp, seed (default: the anchor's Pets values; <see cref="VplOptions.ForDataset"/> gives the others).</summary>
    public VplOptions Vpl { get; set; } = new();

    /// <summary>
    /// The training run. <see cref="BradleyTerryOptions.Kind"/>, <see cref="BradleyTerryOptions.Name"/>,
    /// <see cref="BradleyTerryOptions.Lora"/> and <see cref="BradleyTerryOptions.MicroBatchSize"/> are ignored (VPL
    /// conditions on the context through its latent, is named <c>VPL</c>, and never trains the backbone).
    /// </summary>
    public BradleyTerryOptions Training { get; set; } = new();

    /// <summary>Sequences per frozen-backbone forward when embedding, ≥ 1 (default 16); each text is embedded once and cached.</summary>
    public int EmbedBatchSize { get; set; } = 16;

    /// <inheritdoc />
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Vpl is null) errors.Add($"{SectionName}:{nameof(Vpl)} must be set.");
        else
        {
            try
            {
                Vpl.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                errors.Add($"{SectionName}:{nameof(Vpl)}: {ex.Message.Split(" (Parameter")[0]}");
            }
        }

        if (Training is null) errors.Add($"{SectionName}:{nameof(Training)} must be set.");
        else errors.AddRange(Training.Validate().Select(e => e.Replace(BradleyTerryOptions.SectionName + ":", SectionName + ":Training:", StringComparison.Ordinal)));
        if (EmbedBatchSize < 1) errors.Add($"{SectionName}:{nameof(EmbedBatchSize)} must be at least 1, found {EmbedBatchSize}.");
        return errors;
    }

    /// <summary>A copy (the training options are cloned; the VPL options are an immutable record).</summary>
    /// <returns>The copy.</returns>
    public VplTrainerOptions Clone() => new() { Vpl = Vpl, Training = Training.Clone(), EmbedBatchSize = EmbedBatchSize };
}
