namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// Reads entropy-coded JPEG bits: removes 0xFF00 byte stuffing and stops at the next marker. Past a
/// marker (or the end of the file) it supplies zero bits so look-ahead works, but consuming any of
/// them means the scan data was truncated, and that is reported as an error.
/// </summary>
internal sealed class JpegBitReader
{
    private readonly byte[] _data;
    private readonly Func<string, Exception> _error;
    private int _pos;
    private ulong _buf;
    private int _bits;    // valid bits in _buf (right-aligned)
    private int _padBits; // how many of those bits are zero padding past the data

    public JpegBitReader(byte[] data, int pos, Func<string, Exception> error)
    {
        _data = data;
        _pos = pos;
        _error = error;
    }

    /// <summary>Offset of the first byte not yet moved into the bit buffer.</summary>
    public int Position => _pos;

    private void Fill()
    {
        while (_bits <= 56)
        {
            int b = 0;
            if (_padBits == 0 && _pos < _data.Length)
            {
                b = _data[_pos];
                if (b == 0xFF)
                {
                    int next = _pos + 1 < _data.Length ? _data[_pos + 1] : -1;
                    if (next == 0x00) { _pos += 2; }
                    else { b = 0; _padBits += 8; } // a marker (or end of data) ends the segment
                }
                else
                {
                    _pos++;
                }
            }
            else
            {
                _padBits += 8;
            }
            _buf = (_buf << 8) | (uint)b;
            _bits += 8;
        }
    }

    public int Peek(int n)
    {
        if (_bits < n) Fill();
        return (int)((_buf >> (_bits - n)) & ((1UL << n) - 1));
    }

    public void Skip(int n)
    {
        _bits -= n;
        if (_bits < _padBits)
            throw _error($"truncated entropy-coded data (scan ends before offset {_pos})");
    }

    public int ReadBits(int n)
    {
        if (n == 0) return 0;
        int v = Peek(n);
        Skip(n);
        return v;
    }

    public int ReadBit() => ReadBits(1);

    /// <summary>Reads an n-bit magnitude and sign-extends it per T.81 F.2.2.1 (EXTEND).</summary>
    public int Receive(int n)
    {
        if (n == 0) return 0;
        int v = ReadBits(n);
        return v < (1 << (n - 1)) ? v - (1 << n) + 1 : v;
    }

    /// <summary>
    /// Drops the buffered bits (the byte-alignment padding before a marker) and returns the offset where
    /// the marker or the remaining data starts.
    /// </summary>
    public int Reset()
    {
        _buf = 0;
        _bits = 0;
        _padBits = 0;
        return _pos;
    }

    public void Seek(int pos)
    {
        Reset();
        _pos = pos;
    }
}
