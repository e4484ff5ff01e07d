namespace Plus.Torch.Tokenization;

/// <summary>Which end of a token sequence loses tokens when it is longer than the maximum length.</summary>
public enum TruncationSide
{
    /// <summary>Drop tokens from the start; the end of the text is kept.</summary>
    Left,

    /// <summary>Drop tokens from the end; the start of the text is kept.</summary>
    Right,
}
