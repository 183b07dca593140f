namespace MLAugment.Diffusion.Text;

/// <summary>
/// GPT-2 / CLIP "bytes_to_unicode": a reversible map from every byte value to a printable character,
/// so byte-level BPE can work on strings without whitespace or control characters inside tokens.
/// Printable Latin-1 bytes map to themselves; the remaining 68 bytes map to U+0100 onwards, in byte order.
/// </summary>
public static class ByteLevelAlphabet
{
    private static readonly char[] ByteToChar = BuildTable();
    private static readonly Dictionary<char, byte> CharToByte = BuildInverse();

    /// <summary>The 256 characters in CLIP vocabulary order (printable bytes first, then the shifted ones).</summary>
    public static IReadOnlyList<char> VocabularyOrder { get; } = BuildVocabularyOrder();

    public static char Encode(byte value) => ByteToChar[value];

    public static bool TryDecode(char c, out byte value) => CharToByte.TryGetValue(c, out value);

    private static bool IsKeptAsIs(int b) => (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);

    private static char[] BuildTable()
    {
        var table = new char[256];
        int shifted = 0;
        for (int b = 0; b < 256; b++)
            table[b] = IsKeptAsIs(b) ? (char)b : (char)(256 + shifted++);
        return table;
    }

    private static Dictionary<char, byte> BuildInverse()
    {
        var inverse = new Dictionary<char, byte>(256);
        for (int b = 0; b < 256; b++) inverse[ByteToChar[b]] = (byte)b;
        return inverse;
    }

    // CLIP lists the kept bytes in ascending order first, then the shifted ones in ascending byte order.
    private static char[] BuildVocabularyOrder()
    {
        var order = new List<char>(256);
        for (int b = 0; b < 256; b++) if (IsKeptAsIs(b)) order.Add(ByteToChar[b]);
        for (int b = 0; b < 256; b++) if (!IsKeptAsIs(b)) order.Add(ByteToChar[b]);
        return order.ToArray();
    }
}
