using System.Text;

namespace Plus.Torch.Tokenization;

/// <summary>
/// The byte-to-unicode table of byte-level BPE (GPT-2, Qwen, Llama 3): every byte value maps to one printable
/// character, so that any UTF-8 text is a string over a 256-character alphabet.
/// </summary>
internal static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();

    /// <summary>The 256 characters of the alphabet, indexed by byte value.</summary>
    public static IReadOnlyList<char> Characters => ByteToChar;

    /// <summary>Maps the UTF-8 bytes of <paramref name="text"/> to the byte-level alphabet.</summary>
    public static string Encode(ReadOnlySpan<char> text)
    {
        byte[] bytes = Encoding.UTF8.GetBytes(text.ToArray());
        var chars = new char[bytes.Length];
        for (int i = 0; i < bytes.Length; i++)
        {
            chars[i] = ByteToChar[bytes[i]];
        }

        return new string(chars);
    }

    private static char[] BuildTable()
    {
        // Printable bytes keep their own code point; the other 68 are shifted to 256, 257, ... in byte order.
        var table = new char[256];
        int next = 256;
        for (int b = 0; b < 256; b++)
        {
            bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
            table[b] = printable ? (char)b : (char)next++;
        }

        return table;
    }
}
