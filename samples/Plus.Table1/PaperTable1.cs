namespace Plus.Table1;

/// <summary>The paper's Table 1 (accuracy in percent, mean ± std over three seeds) for Pets and Pets (OOD).</summary>
public static class PaperTable1
{
    private static readonly Dictionary<(string Method, string Dataset), string> Values = new()
    {
        [("BTL", "pets")] = "44.1 ± 2.8", [("BTL", "pets-ood")] = "49.5 ± 2.6",
        [("DPL", "pets")] = "46.2 ± 4.4", [("DPL", "pets-ood")] = "49.0 ± 0.5",
        [("VPL", "pets")] = "100 ± 0", [("VPL", "pets-ood")] = "44.8 ± 4.0",
        [("ICL", "pets")] = "100 ± 0", [("ICL", "pets-ood")] = "72.5 ± 3.1",
        [("PLUS-untrained", "pets")] = "96.2 ± 1.6", [("PLUS-untrained", "pets-ood")] = "85.8 ± 4.0",
        [("PLUS", "pets")] = "99.8 ± 0.2", [("PLUS", "pets-ood")] = "93.7 ± 4.0",
        [("Oracle", "pets")] = "100 ± 0", [("Oracle", "pets-ood")] = "100 ± 0",
    };

    /// <summary>The paper's value for a method on a data set, or <c>—</c> when it reports none.</summary>
    /// <param name="method">The method (paper name).</param>
    /// <param name="dataset">The data set (<c>pets</c>, <c>pets-ood</c>).</param>
    /// <returns>The value as printed in the paper.</returns>
    public static string Get(string method, string dataset) => Values.GetValueOrDefault((method, dataset), "—");
}
