namespace Plus.Core.Tests.Domain;

public class DomainEqualityTests
{
    [Fact]
    public void Records_holding_lists_compare_by_content()
    {
        var a = new UserContext(new[] { new PreferencePair(Conversation.FromUser("q"), "a", "b") }, "profile");
        var b = new UserContext(new[] { new PreferencePair(Conversation.FromUser("q"), "a", "b") }, "profile");
        var c = new UserContext(new[] { new PreferencePair(Conversation.FromUser("q"), "b", "a") }, "profile");

        Assert.Equal(a, b);
        Assert.Equal(a.GetHashCode(), b.GetHashCode());
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void Conditioning_requires_its_payload()
    {
        Assert.Throws<ArgumentException>(() => UserConditioning.FromOracle(" "));
        Assert.Throws<ArgumentNullException>(() => UserConditioning.FromSummary(null!));
        Assert.Equal(ConditioningKind.Summary, UserConditioning.FromSummary(UserSummary.FromUser("likes cats")).Kind);
    }
}
