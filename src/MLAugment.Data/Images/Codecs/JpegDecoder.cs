using System.Buffers.Binary;

namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// JPEG decoder (ITU-T T.81): Huffman-coded baseline / extended sequential (SOF0, SOF1) and progressive
/// (SOF2, spectral selection and successive approximation), 8-bit precision, 1, 3 or 4 components with
/// any integral sampling factors, restart intervals. Chroma is upsampled with libjpeg's "fancy"
/// triangle filter and YCbCr is converted per JFIF with libjpeg's fixed-point rounding, so output
/// matches libjpeg-turbo's default decode to within IDCT rounding.
/// Output: Gray8 for one component, Rgb24 otherwise.
/// </summary>
public static class JpegDecoder
{
    public static bool IsJpeg(ReadOnlySpan<byte> data) => data.Length >= 3 && data[0] == 0xFF && data[1] == 0xD8 && data[2] == 0xFF;

    public static RawImage Decode(ReadOnlySpan<byte> data, string? fileName = null) => Decode(data.ToArray(), fileName);

    public static RawImage Decode(byte[] data, string? fileName = null)
    {
        ArgumentNullException.ThrowIfNull(data);
        return new JpegFrameDecoder(data, fileName).Decode();
    }
}

/// <summary>The state of decoding one JPEG file: tables, frame, coefficients.</summary>
internal sealed class JpegFrameDecoder
{
    private const long MaxPixels = 1L << 28;

    /// <summary>Zig-zag scan position -> natural (row-major) coefficient index (T.81 Figure A.6).</summary>
    internal static readonly byte[] ZigZag =
    [
        0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
        12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
        35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
        58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
    ];

    private sealed class Component
    {
        public int Id, H, V, Tq;
        public int BlocksPerLine, BlocksPerColumn; // allocated (whole MCUs)
        public int Width, Height;                  // samples actually covering the image
        public int BlocksWide, BlocksHigh;         // blocks covering Width x Height
        public short[] Coeffs = [];
        public int DcPred;
        public JpegHuffmanTable? Dc, Ac;
    }

    private readonly byte[] _data;
    private readonly string? _file;
    private readonly Func<string, Exception> _error;
    private readonly ushort[]?[] _quant = new ushort[4][];
    private readonly JpegHuffmanTable?[] _dcTables = new JpegHuffmanTable[4];
    private readonly JpegHuffmanTable?[] _acTables = new JpegHuffmanTable[4];
    private Component[] _comps = [];
    private int _width, _height, _hMax, _vMax, _mcusX, _mcusY;
    private bool _progressive, _frameSeen, _jfif;
    private int _adobeTransform = -1;
    private int _restartInterval;
    private int _scans;
    private int _eobRun;

    public JpegFrameDecoder(byte[] data, string? file)
    {
        _data = data;
        _file = file;
        _error = what => InvalidImageException.For(file, what);
    }

    private Exception Error(string what) => _error(what);

    public RawImage Decode()
    {
        if (!JpegDecoder.IsJpeg(_data)) throw Error("not a JPEG file (missing SOI marker)");
        int pos = 2;
        while (true)
        {
            if (pos >= _data.Length) throw Error($"truncated file: missing EOI marker (file ends at offset {_data.Length})");
            if (_data[pos] != 0xFF) throw Error($"expected a marker at offset {pos}, found byte 0x{_data[pos]:X2}");
            int markerPos = pos;
            while (pos < _data.Length && _data[pos] == 0xFF) pos++; // fill bytes
            if (pos >= _data.Length) throw Error($"truncated marker at offset {markerPos}");
            int marker = _data[pos++];
            if (marker == 0xD9) break; // EOI
            if (marker is >= 0xD0 and <= 0xD7 or 0xD8 or 0x01)
                throw Error($"unexpected marker 0x{marker:X2} at offset {markerPos}");

            if (pos + 2 > _data.Length) throw Error($"truncated segment length of marker 0x{marker:X2} at offset {markerPos}");
            int length = BinaryPrimitives.ReadUInt16BigEndian(_data.AsSpan(pos));
            if (length < 2) throw Error($"invalid segment length {length} of marker 0x{marker:X2} at offset {markerPos}");
            if (pos + length > _data.Length)
                throw Error($"truncated {MarkerName(marker)} segment at offset {markerPos} (declares {length} bytes, file has {_data.Length - pos} left)");
            var seg = _data.AsSpan(pos + 2, length - 2);
            int segEnd = pos + length;

            switch (marker)
            {
                case 0xC0:
                case 0xC1:
                case 0xC2:
                    ParseFrame(seg, marker == 0xC2, markerPos);
                    break;
                case 0xC3: case 0xC5: case 0xC6: case 0xC7:
                case 0xC9: case 0xCA: case 0xCB: case 0xCD: case 0xCE: case 0xCF:
                    throw Error($"unsupported JPEG process ({MarkerName(marker)} at offset {markerPos}): only Huffman baseline, extended and progressive are supported");
                case 0xC4:
                    ParseHuffman(seg, markerPos);
                    break;
                case 0xCC:
                    throw Error($"arithmetic coding (DAC at offset {markerPos}) is not supported");
                case 0xDB:
                    ParseQuant(seg, markerPos);
                    break;
                case 0xDD:
                    if (seg.Length != 2) throw Error($"DRI segment at offset {markerPos} has length {seg.Length + 2}, expected 4");
                    _restartInterval = BinaryPrimitives.ReadUInt16BigEndian(seg);
                    break;
                case 0xDC:
                    throw Error($"DNL marker at offset {markerPos} is not supported");
                case 0xE0:
                    if (seg.Length >= 5 && seg[..5].SequenceEqual("JFIF\0"u8)) _jfif = true;
                    break;
                case 0xEE:
                    if (seg.Length >= 12 && seg[..5].SequenceEqual("Adobe"u8)) _adobeTransform = seg[11];
                    break;
                case 0xDA:
                    segEnd = DecodeScan(seg, segEnd, markerPos);
                    break;
                default:
                    break; // APPn, COM and other segments carry nothing the pixels depend on
            }
            pos = segEnd;
        }
        if (!_frameSeen) throw Error("no frame header (SOF) before EOI");
        if (_scans == 0) throw Error("no scan (SOS) before EOI: image data missing");
        return Output();
    }

    private static string MarkerName(int m) => m switch
    {
        0xC4 => "DHT", 0xDB => "DQT", 0xDA => "SOS", 0xDD => "DRI", 0xFE => "COM",
        >= 0xC0 and <= 0xCF => $"SOF{m - 0xC0}",
        >= 0xE0 and <= 0xEF => $"APP{m - 0xE0}",
        _ => $"0x{m:X2}",
    };

    private void ParseQuant(ReadOnlySpan<byte> seg, int at)
    {
        int p = 0;
        while (p < seg.Length)
        {
            int pq = seg[p] >> 4, tq = seg[p] & 15;
            p++;
            if (pq > 1 || tq > 3) throw Error($"invalid DQT table spec (precision {pq}, id {tq}) at offset {at}");
            int n = pq == 0 ? 64 : 128;
            if (seg.Length - p < n) throw Error($"truncated DQT segment at offset {at}");
            var table = new ushort[64];
            for (int k = 0; k < 64; k++)
                table[ZigZag[k]] = pq == 0 ? seg[p + k] : BinaryPrimitives.ReadUInt16BigEndian(seg[(p + 2 * k)..]);
            _quant[tq] = table;
            p += n;
        }
    }

    private void ParseHuffman(ReadOnlySpan<byte> seg, int at)
    {
        int p = 0;
        while (p < seg.Length)
        {
            if (seg.Length - p < 17) throw Error($"truncated DHT segment at offset {at}");
            int tc = seg[p] >> 4, th = seg[p] & 15;
            if (tc > 1 || th > 3) throw Error($"invalid DHT table class {tc} / id {th} at offset {at}");
            var counts = seg.Slice(p + 1, 16);
            int total = 0;
            foreach (byte c in counts) total += c;
            if (total > 256) throw Error($"DHT table at offset {at} declares {total} codes (at most 256)");
            if (seg.Length - p - 17 < total) throw Error($"truncated DHT segment at offset {at}");
            var table = new JpegHuffmanTable(counts, seg.Slice(p + 17, total), what => Error($"{what} (DHT at offset {at})"));
            (tc == 0 ? _dcTables : _acTables)[th] = table;
            p += 17 + total;
        }
    }

    private void ParseFrame(ReadOnlySpan<byte> seg, bool progressive, int at)
    {
        if (_frameSeen) throw Error($"second frame header at offset {at}");
        if (seg.Length < 6) throw Error($"truncated SOF segment at offset {at}");
        int precision = seg[0];
        if (precision != 8) throw Error($"{precision}-bit sample precision is not supported (only 8)");
        _height = BinaryPrimitives.ReadUInt16BigEndian(seg[1..]);
        _width = BinaryPrimitives.ReadUInt16BigEndian(seg[3..]);
        int nc = seg[5];
        if (_height == 0) throw Error("image height 0 (DNL-defined height) is not supported");
        if (_width == 0) throw Error("image width is 0");
        if ((long)_width * _height > MaxPixels) throw Error($"image {_width}x{_height} is too large");
        if (nc is not (1 or 3 or 4)) throw Error($"{nc} color components are not supported (1, 3 or 4)");
        if (seg.Length != 6 + 3 * nc) throw Error($"SOF segment at offset {at} has length {seg.Length + 2}, expected {8 + 3 * nc}");
        _comps = new Component[nc];
        for (int i = 0; i < nc; i++)
        {
            var c = new Component { Id = seg[6 + 3 * i], H = seg[7 + 3 * i] >> 4, V = seg[7 + 3 * i] & 15, Tq = seg[8 + 3 * i] };
            if (c.H is < 1 or > 4 || c.V is < 1 or > 4) throw Error($"invalid sampling factors {c.H}x{c.V} for component {c.Id}");
            if (c.Tq > 3) throw Error($"invalid quantization table id {c.Tq} for component {c.Id}");
            for (int j = 0; j < i; j++)
                if (_comps[j].Id == c.Id) throw Error($"duplicate component id {c.Id} in frame header");
            _comps[i] = c;
        }
        _hMax = _comps.Max(c => c.H);
        _vMax = _comps.Max(c => c.V);
        foreach (var c in _comps)
            if (_hMax % c.H != 0 || _vMax % c.V != 0)
                throw Error($"non-integral sampling ratio for component {c.Id} ({c.H}x{c.V} vs max {_hMax}x{_vMax}) is not supported");
        _mcusX = (_width + 8 * _hMax - 1) / (8 * _hMax);
        _mcusY = (_height + 8 * _vMax - 1) / (8 * _vMax);
        foreach (var c in _comps)
        {
            c.BlocksPerLine = _mcusX * c.H;
            c.BlocksPerColumn = _mcusY * c.V;
            c.Width = (_width * c.H + _hMax - 1) / _hMax;
            c.Height = (_height * c.V + _vMax - 1) / _vMax;
            c.BlocksWide = (c.Width + 7) / 8;
            c.BlocksHigh = (c.Height + 7) / 8;
        }
        // Every block's DC coefficient costs at least one bit, so a file this small cannot hold the frame:
        // refuse before allocating coefficient memory for a lying header.
        long blocks = _comps.Sum(c => (long)c.BlocksWide * c.BlocksHigh);
        if (blocks > 8L * _data.Length)
            throw Error($"frame of {_width}x{_height} needs {blocks} blocks, more than a {_data.Length}-byte file can encode (truncated or corrupt header)");
        foreach (var c in _comps) c.Coeffs = new short[(long)c.BlocksPerLine * c.BlocksPerColumn * 64];
        _progressive = progressive;
        _frameSeen = true;
    }

    /// <summary>Decodes one scan; returns the offset of the marker that follows its entropy-coded data.</summary>
    private int DecodeScan(ReadOnlySpan<byte> seg, int dataStart, int at)
    {
        if (!_frameSeen) throw Error($"SOS at offset {at} before the frame header");
        if (seg.Length < 1) throw Error($"truncated SOS segment at offset {at}");
        int ns = seg[0];
        if (ns < 1 || ns > 4 || seg.Length != 4 + 2 * ns) throw Error($"invalid SOS segment at offset {at} ({ns} components, length {seg.Length + 2})");
        var scomps = new Component[ns];
        for (int i = 0; i < ns; i++)
        {
            int id = seg[1 + 2 * i];
            var c = Array.Find(_comps, k => k.Id == id) ?? throw Error($"SOS at offset {at} names component {id}, which the frame does not have");
            if (Array.IndexOf(scomps, c, 0, i) >= 0) throw Error($"SOS at offset {at} names component {id} twice");
            int td = seg[2 + 2 * i] >> 4, ta = seg[2 + 2 * i] & 15;
            if (td > 3 || ta > 3) throw Error($"invalid Huffman table ids in SOS at offset {at}");
            c.Dc = _dcTables[td];
            c.Ac = _acTables[ta];
            scomps[i] = c;
        }
        int ss = seg[1 + 2 * ns], se = seg[2 + 2 * ns], ah = seg[3 + 2 * ns] >> 4, al = seg[3 + 2 * ns] & 15;

        if (_progressive)
        {
            bool valid = ss == 0 ? se == 0 : (ss <= se && se <= 63 && ns == 1);
            if (!valid || al > 13 || ah > 13) throw Error($"invalid progressive scan parameters Ss={ss} Se={se} Ah={ah} Al={al} at offset {at}");
        }
        else
        {
            ss = 0; se = 63; ah = 0; al = 0; // sequential scans always cover the whole block
        }
        if (ns > 1)
        {
            int blocks = scomps.Sum(c => c.H * c.V);
            if (blocks > 10) throw Error($"SOS at offset {at}: an MCU of {blocks} blocks exceeds the limit of 10");
        }
        foreach (var c in scomps)
        {
            bool needDc = ss == 0 && ah == 0, needAc = se > 0;
            if (needDc && c.Dc is null) throw Error($"scan at offset {at} uses an undefined DC Huffman table for component {c.Id}");
            if (needAc && c.Ac is null) throw Error($"scan at offset {at} uses an undefined AC Huffman table for component {c.Id}");
        }

        var reader = new JpegBitReader(_data, dataStart, _error);
        foreach (var c in scomps) c.DcPred = 0;
        _eobRun = 0;
        int mcus = ns == 1 ? scomps[0].BlocksWide * scomps[0].BlocksHigh : _mcusX * _mcusY;
        int expectedRst = 0;
        for (int m = 0; m < mcus; m++)
        {
            if (_restartInterval > 0 && m > 0 && m % _restartInterval == 0)
            {
                int p = reader.Reset();
                int rstAt = p;
                if (p >= _data.Length || _data[p] != 0xFF) throw Error($"expected RST{expectedRst} marker at offset {rstAt}");
                while (p < _data.Length && _data[p] == 0xFF) p++;
                if (p >= _data.Length) throw Error($"truncated data: expected RST{expectedRst} marker at offset {rstAt}");
                if (_data[p] != 0xD0 + expectedRst)
                    throw Error($"expected RST{expectedRst} marker at offset {rstAt}, found marker 0x{_data[p]:X2}");
                reader.Seek(p + 1);
                foreach (var c in scomps) c.DcPred = 0;
                _eobRun = 0;
                expectedRst = (expectedRst + 1) & 7;
            }
            if (ns == 1)
            {
                var c = scomps[0];
                int bx = m % c.BlocksWide, by = m / c.BlocksWide;
                DecodeBlock(reader, c, (by * c.BlocksPerLine + bx) * 64, ss, se, ah, al);
            }
            else
            {
                int mx = m % _mcusX, my = m / _mcusX;
                foreach (var c in scomps)
                    for (int v = 0; v < c.V; v++)
                        for (int h = 0; h < c.H; h++)
                        {
                            int bx = mx * c.H + h, by = my * c.V + v;
                            DecodeBlock(reader, c, (by * c.BlocksPerLine + bx) * 64, ss, se, ah, al);
                        }
            }
        }
        _scans++;

        // Skip to the next marker that is not a restart marker (trailing RSTs and padding are allowed).
        int q = reader.Reset();
        while (q + 1 < _data.Length)
        {
            if (_data[q] == 0xFF && _data[q + 1] != 0 && _data[q + 1] != 0xFF && _data[q + 1] is not (>= 0xD0 and <= 0xD7)) return q;
            q++;
        }
        throw Error($"truncated file: no marker after the scan that starts at offset {at}");
    }

    private void DecodeBlock(JpegBitReader r, Component c, int off, int ss, int se, int ah, int al)
    {
        var coef = c.Coeffs;
        if (!_progressive)
        {
            DecodeDcFirst(r, c, coef, off, 0);
            for (int k = 1; k <= 63; k++)
            {
                int rs = DecodeSymbol(r, c.Ac!, "AC");
                int run = rs >> 4, s = rs & 15;
                if (s == 0)
                {
                    if (run != 15) break; // EOB
                    k += 15;              // ZRL: sixteen zeros
                    continue;
                }
                k += run;
                if (k > 63) throw Error($"AC coefficient run past the end of a block (component {c.Id})");
                if (s > 10) throw Error($"invalid AC magnitude category {s} (component {c.Id})");
                coef[off + ZigZag[k]] = (short)r.Receive(s);
            }
            return;
        }
        if (ss == 0)
        {
            if (ah == 0) DecodeDcFirst(r, c, coef, off, al);
            else if (r.ReadBit() != 0) coef[off] |= (short)(1 << al); // DC refinement: one more bit
            return;
        }
        if (ah == 0) DecodeAcFirst(r, c, coef, off, ss, se, al);
        else DecodeAcRefine(r, c, coef, off, ss, se, al);
    }

    private int DecodeSymbol(JpegBitReader r, JpegHuffmanTable t, string kind)
    {
        int s = t.Decode(r);
        if (s < 0) throw Error($"invalid {kind} Huffman code in scan data (before offset {r.Position})");
        return s;
    }

    private void DecodeDcFirst(JpegBitReader r, Component c, short[] coef, int off, int al)
    {
        int s = DecodeSymbol(r, c.Dc!, "DC");
        if (s > 11) throw Error($"invalid DC magnitude category {s} (component {c.Id})");
        c.DcPred += r.Receive(s);
        coef[off] = unchecked((short)(c.DcPred << al));
    }

    /// <summary>First AC scan of a band (T.81 G.1.2.2): run/size symbols plus end-of-band runs.</summary>
    private void DecodeAcFirst(JpegBitReader r, Component c, short[] coef, int off, int ss, int se, int al)
    {
        if (_eobRun > 0) { _eobRun--; return; }
        for (int k = ss; k <= se; k++)
        {
            int rs = DecodeSymbol(r, c.Ac!, "AC");
            int run = rs >> 4, s = rs & 15;
            if (s == 0)
            {
                if (run < 15)
                {
                    _eobRun = (1 << run) - 1 + r.ReadBits(run); // this block is the first of the run
                    return;
                }
                k += 15;
                continue;
            }
            k += run;
            if (k > se) throw Error($"AC coefficient run past the end of the spectral band (component {c.Id})");
            if (s > 10) throw Error($"invalid AC magnitude category {s} (component {c.Id})");
            coef[off + ZigZag[k]] = unchecked((short)(r.Receive(s) * (1 << al)));
        }
    }

    /// <summary>
    /// AC successive-approximation refinement (T.81 G.1.2.3): new coefficients of magnitude 1 &lt;&lt; Al are
    /// placed after skipping 'run' zero-history positions, and every coefficient that is already nonzero
    /// on the way receives one correction bit.
    /// </summary>
    private void DecodeAcRefine(JpegBitReader r, Component c, short[] coef, int off, int ss, int se, int al)
    {
        int p1 = 1 << al, m1 = -1 << al;
        int k = ss;
        if (_eobRun == 0)
        {
            for (; k <= se; k++)
            {
                int rs = DecodeSymbol(r, c.Ac!, "AC");
                int run = rs >> 4, s = rs & 15;
                int value = 0;
                if (s != 0)
                {
                    if (s != 1) throw Error($"invalid AC refinement magnitude {s} (component {c.Id})");
                    value = r.ReadBit() != 0 ? p1 : m1;
                }
                else if (run != 15)
                {
                    _eobRun = (1 << run) + r.ReadBits(run);
                    break;
                }
                while (k <= se)
                {
                    int z = off + ZigZag[k];
                    if (coef[z] != 0)
                    {
                        RefineBit(r, coef, z, p1, m1);
                    }
                    else
                    {
                        if (run == 0) break;
                        run--;
                    }
                    k++;
                }
                if (value != 0)
                {
                    if (k > se) throw Error($"AC refinement places a coefficient past the end of the band (component {c.Id})");
                    coef[off + ZigZag[k]] = (short)value;
                }
            }
        }
        if (_eobRun > 0)
        {
            for (; k <= se; k++)
            {
                int z = off + ZigZag[k];
                if (coef[z] != 0) RefineBit(r, coef, z, p1, m1);
            }
            _eobRun--;
        }
    }

    private static void RefineBit(JpegBitReader r, short[] coef, int z, int p1, int m1)
    {
        if (r.ReadBit() != 0 && (coef[z] & p1) == 0)
            coef[z] = unchecked((short)(coef[z] >= 0 ? coef[z] + p1 : coef[z] + m1));
    }

    private RawImage Output()
    {
        var planes = new byte[_comps.Length][];
        Span<float> block = stackalloc float[64];
        for (int ci = 0; ci < _comps.Length; ci++)
        {
            var c = _comps[ci];
            var q = _quant[c.Tq] ?? throw Error($"component {c.Id} uses quantization table {c.Tq}, which is not defined");
            int stride = c.BlocksPerLine * 8;
            var plane = new byte[(long)stride * c.BlocksPerColumn * 8];
            for (int by = 0; by < c.BlocksHigh; by++)
                for (int bx = 0; bx < c.BlocksWide; bx++)
                {
                    int off = (by * c.BlocksPerLine + bx) * 64;
                    for (int i = 0; i < 64; i++) block[i] = c.Coeffs[off + i] * (float)q[i];
                    JpegIdct.Transform(block, plane, by * 8 * stride + bx * 8, stride);
                }
            planes[ci] = plane;
        }

        var full = new byte[_comps.Length][];
        for (int ci = 0; ci < _comps.Length; ci++)
        {
            var c = _comps[ci];
            full[ci] = JpegUpsampler.Upsample(planes[ci], c.BlocksPerLine * 8, c.Width, c.Height,
                _hMax / c.H, _vMax / c.V, _width, _height);
        }
        return JpegColor.ToImage(full, _width, _height, ColorTransform(), _adobeTransform >= 0, _file);
    }

    private JpegColorTransform ColorTransform()
    {
        switch (_comps.Length)
        {
            case 1: return JpegColorTransform.Gray;
            case 3:
                if (_adobeTransform >= 0) return _adobeTransform == 0 ? JpegColorTransform.Rgb : JpegColorTransform.YCbCr;
                if (_jfif) return JpegColorTransform.YCbCr;
                if (_comps[0].Id == 'R' && _comps[1].Id == 'G' && _comps[2].Id == 'B') return JpegColorTransform.Rgb;
                return JpegColorTransform.YCbCr;
            default:
                return _adobeTransform == 2 ? JpegColorTransform.Ycck : JpegColorTransform.Cmyk;
        }
    }
}
