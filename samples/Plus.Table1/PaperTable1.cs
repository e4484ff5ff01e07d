namespace Plus.Table1;

/// <summary>The paper's Table 1 (accuracy in percent; mean ± std over three seeds for Pets and UF-P-2, one seed for UF-P-4 and PRISM; PRISM is accuracy on all held-out pairs).</summary>
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
        [("BTL", "uf-p-2")] = "58.1 ± 0.3", [("BTL", "uf-p-4")] = "52.7",
        [("DPL", "uf-p-2")] = "58.5 ± 0.7", [("DPL", "uf-p-4")] = "56.2",
        [("VPL", "uf-p-2")] = "58.4 ± 0.3", [("VPL", "uf-p-4")] = "55.3",
        [("ICL", "uf-p-2")] = "59.6 ± 0.7", [("ICL", "uf-p-4")] = "57.3",
        [("PLUS-untrained", "uf-p-2")] = "59.9 ± 0.2", [("PLUS-untrained", "uf-p-4")] = "56.4",
        [("PLUS", "uf-p-2")] = "69.4 ± 1.1", [("PLUS", "uf-p-4")] = "61.8",
        [("Oracle", "uf-p-2")] = "69.0 ± 0.3", [("Oracle", "uf-p-4")] = "71.4",
        [("BTL", "prism")] = "59.8", [("DPL", "prism")] = "61.8", [("VPL", "prism")] = "60.4", [("ICL", "prism")] = "60.1",
        [("PLUS-untrained", "prism")] = "61.3", [("PLUS", "prism")] = "62.9",
        [("ICL", "prism-profile")] = "60.6", [("PLUS-untrained", "prism-profile")] = "63.4", [("PLUS", "prism-profile")] = "63.2",
        [("Oracle", "prism-profile")] = "62.6",
    };

    /// <summary>The paper's value for a method on a data set, or <c>—</c> when it reports none (the paper's NA: Oracle on PRISM without the profile, the non-personalized and VPL rows with it).</summary>
    /// <param name="method">The method (paper name).</param>
    /// <param name="dataset">The data set (<c>pets</c>, <c>pets-ood</c>, <c>uf-p-2</c>, <c>uf-p-4</c>, <c>prism</c>, <c>prism-profile</c>).</param>
    /// <returns>The value as printed in the paper.</returns>
    public static string Get(string method, string dataset) => Values.GetValueOrDefault((method, dataset), "—");
}
