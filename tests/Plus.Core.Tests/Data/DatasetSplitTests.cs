using FsCheck.Xunit;
using Plus.Data;

namespace Plus.Core.Tests.Data;

public class DatasetSplitTests
{
    private static readonly ValueList<PreferenceExample> Examples = new PetsDatasetBuilder(new PetsDatasetOptions { TrainExamples = 200, TestExamples = 0, OodTestExamples = 0 }).Build().Train;

    [Property(MaxTest = 50)]
    public void Splitting_by_user_never_puts_a_user_on_both_sides_and_is_deterministic(int seed, byte percent)
    {
        var fraction = percent % 101 / 100.0;
        var split = DatasetSplit.ByUser(Examples, fraction, seed);

        Assert.Equal(Examples.Count, split.Train.Count + split.Test.Count);
        Assert.Empty(split.Train.Select(e => e.UserId).Intersect(split.Test.Select(e => e.UserId)));
        Assert.Equal(Math.Round(fraction * 100, MidpointRounding.AwayFromZero), split.Test.Select(e => e.UserId).Distinct().Count());
        Assert.Equal(split, DatasetSplit.ByUser(Examples, fraction, seed));
        Assert.Equal(Examples.Where(e => split.Test.Contains(e)), split.Test); // order kept
    }

    [Fact]
    public void Different_seeds_hold_out_different_users_and_bad_fractions_are_rejected()
    {
        Assert.NotEqual(DatasetSplit.ByUser(Examples, 0.2, 1).Test, DatasetSplit.ByUser(Examples, 0.2, 2).Test);
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => DatasetSplit.ByUser(Examples, 1.5, 0));
        Assert.Equal("testFraction", error.ParamName);
    }
}
