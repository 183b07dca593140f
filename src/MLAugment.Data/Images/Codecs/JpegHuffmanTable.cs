namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// A JPEG Huffman decoding table (ITU-T T.81 Annex C / F.2.2.3): canonical codes built from the 16
/// code-length counts, with a 9-bit direct lookup for short codes and MAXCODE/VALPTR for the rest.
/// </summary>
internal sealed class JpegHuffmanTable
{
    public const int LookupBits = 9;

    /// <summary>Entry for a 9-bit peek: (code length &lt;&lt; 8) | symbol, or 0 when the code is longer.</summary>
    private readonly ushort[] _lookup = new ushort[1 << LookupBits];
    private readonly int[] _maxCode = new int[18];   // largest code of each length, -1 when none
    private readonly int[] _valOffset = new int[18]; // symbol index = code + _valOffset[len]
    private readonly byte[] _symbols;

    /// <param name="counts">Number of codes of each length 1..16 (BITS).</param>
    /// <param name="symbols">Symbols in code order (HUFFVAL).</param>
    /// <param name="error">Builds the exception for a malformed table.</param>
    public JpegHuffmanTable(ReadOnlySpan<byte> counts, ReadOnlySpan<byte> symbols, Func<string, Exception> error)
    {
        _symbols = symbols.ToArray();
        int code = 0, k = 0;
        for (int len = 1; len <= 16; len++)
        {
            int n = counts[len - 1];
            _valOffset[len] = k - code;
            if (n == 0)
            {
                _maxCode[len] = -1;
            }
            else
            {
                if (code + n > (1 << len)) throw error($"Huffman table has more codes of length {len} than fit");
                for (int i = 0; i < n; i++, code++, k++)
                {
                    if (len <= LookupBits)
                    {
                        int shift = LookupBits - len;
                        int first = code << shift;
                        for (int j = 0; j < (1 << shift); j++)
                            _lookup[first + j] = (ushort)((len << 8) | _symbols[k]);
                    }
                }
                _maxCode[len] = code - 1;
            }
            code <<= 1;
        }
        _maxCode[17] = int.MaxValue; // sentinel: never reached because the decoder stops at 16
    }

    /// <summary>Decodes one symbol, or returns -1 when the bits match no code (corrupt data).</summary>
    public int Decode(JpegBitReader reader)
    {
        int peek = reader.Peek(16);
        int e = _lookup[peek >> (16 - LookupBits)];
        if (e != 0)
        {
            reader.Skip(e >> 8);
            return e & 0xFF;
        }
        for (int len = LookupBits + 1; len <= 16; len++)
        {
            int code = peek >> (16 - len);
            if (_maxCode[len] >= 0 && code <= _maxCode[len])
            {
                reader.Skip(len);
                return _symbols[code + _valOffset[len]];
            }
        }
        return -1;
    }
}
