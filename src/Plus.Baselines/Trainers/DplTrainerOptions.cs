using Plus.Baselines.Dpl;
using Plus.Torch.Training;

namespace Plus.Baselines.Trainers;

/// <summary>
/// Options of <see cref="DplTrainer"/>: the DPL head and loss (<see cref="Head"/>) and the training run
/// (<see cref="Training"/>, the same knobs as the Bradley-Terry trainers: epochs, batch size, learning rate, AdamW,
/// LoRA, evaluation, checkpoints, resume, seed). Bound from the <c>Plus:Baselines:Dpl</c> configuration section.
/// </summary>
public sealed class DplTrainerOptions : IValidatableOptions
{
    /// <summary>The configuration section: <c>Plus:Baselines:Dpl</c>.</summary>
    public const string SectionName = "Plus:Baselines:Dpl";

    /// <summary>The head and loss: variant, variance penalty, atoms, entropy bonus (default: mean-variance).</summary>
    public DplOptions Head { get; set; } = new();

    /// <summary>The training run. <see cref="BradleyTerryOptions.Kind"/> and <see cref="BradleyTerryOptions.Name"/> are ignored (DPL sees no user information; its name is <c>DPL</c>).</summary>
    public BradleyTerryOptions Training { get; set; } = new();

    /// <inheritdoc />
    public IReadOnlyList<string> Validate()
    {
        var errors = new List<string>();
        if (Head is null) errors.Add($"{SectionName}:{nameof(Head)} must be set.");
        else
        {
            try
            {
                Head.Validate();
            }
            catch (ArgumentOutOfRangeException ex)
            {
                errors.Add($"{SectionName}:{nameof(Head)}: {ex.Message.Split(" (Parameter")[0]}");
            }
        }

        if (Training is null) errors.Add($"{SectionName}:{nameof(Training)} must be set.");
        else errors.AddRange(Training.Validate().Select(e => e.Replace(BradleyTerryOptions.SectionName + ":", SectionName + ":Training:", StringComparison.Ordinal)));
        return errors;
    }

    /// <summary>A copy (the training options are cloned; the head is an immutable record).</summary>
    /// <returns>The copy.</returns>
    public DplTrainerOptions Clone() => new() { Head = Head, Training = Training.Clone() };
}
