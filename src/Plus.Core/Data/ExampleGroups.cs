namespace Plus.Data;

/// <summary>The <see cref="PreferenceExample.Group"/> names the builders use; metrics report accuracy per group.</summary>
public static class ExampleGroups
{
    /// <summary>A pair on which user types disagree (Pets' dog vs cat, every UF-P pair).</summary>
    public const string Controversial = "controversial";

    /// <summary>A pair on which every user type agrees (Pets' bird ≻ dog, for example).</summary>
    public const string Agreed = "agreed";
}
