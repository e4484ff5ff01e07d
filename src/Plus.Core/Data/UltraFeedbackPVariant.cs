namespace Plus.Data;

/// <summary>Which UltraFeedback-Personalized variant to build.</summary>
public enum UltraFeedbackPVariant
{
    /// <summary>UF-P-2: two user types, valuing helpfulness or honesty.</summary>
    P2 = 2,

    /// <summary>UF-P-4: four user types, valuing helpfulness, honesty, instruction-following or truthfulness.</summary>
    P4 = 4,
}
