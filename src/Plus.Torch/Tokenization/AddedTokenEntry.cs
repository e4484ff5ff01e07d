namespace Plus.Torch.Tokenization;

/// <summary>One entry of <c>added_tokens</c> in a Hugging Face <c>tokenizer.json</c>.</summary>
/// <param name="Id">The token id.</param>
/// <param name="Content">The token text, matched literally in input text.</param>
/// <param name="Special">Whether the token is special (skipped by <c>skipSpecialTokens</c> when decoding).</param>
/// <param name="SingleWord">The <c>single_word</c> flag, kept for saving; not applied when encoding.</param>
/// <param name="LStrip">The <c>lstrip</c> flag, kept for saving; not applied when encoding.</param>
/// <param name="RStrip">The <c>rstrip</c> flag, kept for saving; not applied when encoding.</param>
/// <param name="Normalized">The <c>normalized</c> flag, kept for saving; not applied when encoding.</param>
internal sealed record AddedTokenEntry(int Id, string Content, bool Special, bool SingleWord = false, bool LStrip = false, bool RStrip = false, bool Normalized = false);
