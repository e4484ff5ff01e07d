namespace Plus.Data;

/// <summary>
/// Options of <see cref="PetsDatasetBuilder"/>. The defaults reproduce the paper's sizes (appendix B: Pets train 1970,
/// test 194; Pets (OOD) test 200) with 3 context pairs per user.
/// </summary>
public sealed class PetsDatasetOptions
{
    /// <summary>Number of training examples. Default 1970.</summary>
    public int TrainExamples { get; set; } = 1970;

    /// <summary>Number of test examples. Default 194.</summary>
    public int TestExamples { get; set; } = 194;

    /// <summary>Number of Pets (OOD) test examples (rabbit and bird users). Default 200.</summary>
    public int OodTestExamples { get; set; } = 200;

    /// <summary>
    /// Target pairs per user; every user shares one context across their examples. With an even value, exactly half
    /// of a user's targets are controversial. Default 2.
    /// </summary>
    public int ExamplesPerUser { get; set; } = 2;

    /// <summary>Past pairs in each user's context (the paper uses 3). Default 3.</summary>
    public int ContextPairs { get; set; } = 3;

    /// <summary>How many sentences of each animal (from the start of VPL's lists) form the training pool; the rest form the test pool. Default 80.</summary>
    public int TrainSentencesPerAnimal { get; set; } = 80;

    /// <summary>Seeds every random choice; the same seed gives identical data. Default 0.</summary>
    public int Seed { get; set; }

    /// <summary>Checks the options.</summary>
    /// <exception cref="ArgumentOutOfRangeException">An option is out of range; the message names it.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(TrainExamples, nameof(TrainExamples));
        ArgumentOutOfRangeException.ThrowIfNegative(TestExamples, nameof(TestExamples));
        ArgumentOutOfRangeException.ThrowIfNegative(OodTestExamples, nameof(OodTestExamples));
        ArgumentOutOfRangeException.ThrowIfLessThan(ExamplesPerUser, 1, nameof(ExamplesPerUser));
        ArgumentOutOfRangeException.ThrowIfNegative(ContextPairs, nameof(ContextPairs));
        ArgumentOutOfRangeException.ThrowIfLessThan(TrainSentencesPerAnimal, 1, nameof(TrainSentencesPerAnimal));
    }
}
