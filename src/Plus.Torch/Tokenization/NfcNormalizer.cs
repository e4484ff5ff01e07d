using System.Text;
using Microsoft.ML.Tokenizers;

namespace Plus.Torch.Tokenization;

/// <summary>Unicode NFC normalization, as the <c>{"type": "NFC"}</c> normalizer of Hugging Face tokenizers.</summary>
internal sealed class NfcNormalizer : Normalizer
{
    /// <summary>The shared instance (stateless, thread-safe).</summary>
    public static NfcNormalizer Instance { get; } = new();

    /// <inheritdoc />
    public override string Normalize(string original) =>
        original.IsNormalized(NormalizationForm.FormC) ? original : original.Normalize(NormalizationForm.FormC);

    /// <inheritdoc />
    public override string Normalize(ReadOnlySpan<char> original) => Normalize(original.ToString());
}
