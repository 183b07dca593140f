using System.Buffers.Binary;
using System.IO.Compression;

namespace MLAugment.Data.Images.Codecs;

public sealed class PngDecoderOptions
{
    /// <summary>Skip chunk CRC verification (for files written by sloppy encoders).</summary>
    public bool IgnoreCrc { get; init; }

    public static PngDecoderOptions Default { get; } = new();
}

/// <summary>
/// PNG decoder (ISO/IEC 15948): every color type and bit depth, PLTE + tRNS, Adam7 interlace,
/// the five scanline filters, IDAT data split over any number of chunks, CRC-checked chunks.
/// </summary>
public static class PngDecoder
{
    internal static ReadOnlySpan<byte> Signature => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    /// <summary>Refuse images whose raw scanlines would exceed this many bytes (1 GiB).</summary>
    private const long MaxRawBytes = 1L << 30;
    /// <summary>Refuse images with more pixels than this (2^28: a 1 GiB Rgba32 buffer).</summary>
    private const long MaxPixels = 1L << 28;

    public static bool IsPng(ReadOnlySpan<byte> data) => data.Length >= 8 && data[..8].SequenceEqual(Signature);

    /// <summary>
    /// Decodes to 8 bits per channel. Output format: gray -> Gray8, RGB and palette -> Rgb24, and
    /// anything with alpha (alpha channel or tRNS) -> Rgba32. 16-bit samples are rounded to 8 bits.
    /// </summary>
    public static RawImage Decode(ReadOnlySpan<byte> data, string? fileName = null, PngDecoderOptions? options = null)
    {
        var png = Parse(data, fileName, options ?? PngDecoderOptions.Default);
        return png.ToRawImage();
    }

    /// <summary>Decodes keeping 16-bit precision (see <see cref="PngImage16"/>).</summary>
    public static PngImage16 Decode16(ReadOnlySpan<byte> data, string? fileName = null, PngDecoderOptions? options = null)
    {
        var png = Parse(data, fileName, options ?? PngDecoderOptions.Default);
        return png.ToImage16();
    }

    private static InvalidImageException Error(string? file, string what) => InvalidImageException.For(file, what);

    private static DecodedPng Parse(ReadOnlySpan<byte> data, string? file, PngDecoderOptions options)
    {
        if (!IsPng(data)) throw Error(file, "not a PNG file (bad signature)");

        Header? header = null;
        byte[]? palette = null; // RGB triples
        byte[]? trns = null;
        var idat = new MemoryStream();
        bool idatSeen = false, idatEnded = false, iendSeen = false;
        int pos = 8;

        while (!iendSeen)
        {
            if (pos == data.Length) throw Error(file, $"truncated file: missing IEND chunk (file ends at offset {pos})");
            if (data.Length - pos < 8) throw Error(file, $"truncated chunk header at offset {pos}");
            uint length = BinaryPrimitives.ReadUInt32BigEndian(data[pos..]);
            var typeBytes = data.Slice(pos + 4, 4);
            string type = ChunkTypeName(typeBytes);
            if (length > int.MaxValue) throw Error(file, $"{type} chunk at offset {pos} declares length {length} > 2^31-1");
            if ((long)data.Length - (pos + 8) < (long)length + 4)
                throw Error(file, $"truncated {type} chunk at offset {pos} (declares {length} data bytes, file has {Math.Max(0, data.Length - pos - 8)} left)");
            var body = data.Slice(pos + 8, (int)length);
            if (!options.IgnoreCrc)
            {
                uint stored = BinaryPrimitives.ReadUInt32BigEndian(data[(pos + 8 + (int)length)..]);
                uint actual = Crc32.Compute(data.Slice(pos + 4, (int)length + 4));
                if (stored != actual) throw Error(file, $"CRC mismatch in {type} chunk at offset {pos} (stored 0x{stored:X8}, computed 0x{actual:X8})");
            }

            if (header is null && type != "IHDR") throw Error(file, $"first chunk is {type} at offset {pos}, expected IHDR");
            if (idatSeen && type != "IDAT") idatEnded = true;

            switch (type)
            {
                case "IHDR":
                    if (header is not null) throw Error(file, $"duplicate IHDR chunk at offset {pos}");
                    header = ParseHeader(body, file, pos);
                    break;
                case "PLTE":
                    if (palette is not null) throw Error(file, $"duplicate PLTE chunk at offset {pos}");
                    if (idatSeen) throw Error(file, $"PLTE chunk at offset {pos} after IDAT");
                    if (length == 0 || length % 3 != 0 || length > 256 * 3)
                        throw Error(file, $"PLTE chunk at offset {pos} has length {length}; expected a multiple of 3 between 3 and 768");
                    if (header!.ColorType is 0 or 4) throw Error(file, $"PLTE chunk at offset {pos} in a grayscale image");
                    if (header.ColorType == 3 && length / 3 > (1 << header.BitDepth))
                        throw Error(file, $"PLTE chunk at offset {pos} has {length / 3} entries, more than bit depth {header.BitDepth} allows");
                    palette = body.ToArray();
                    break;
                case "tRNS":
                    if (trns is not null) throw Error(file, $"duplicate tRNS chunk at offset {pos}");
                    if (idatSeen) throw Error(file, $"tRNS chunk at offset {pos} after IDAT");
                    trns = ValidateTrns(body, header!, palette, file, pos);
                    break;
                case "IDAT":
                    if (idatEnded) throw Error(file, $"IDAT chunk at offset {pos} is not contiguous with the earlier IDAT chunks");
                    if (header!.ColorType == 3 && palette is null) throw Error(file, $"IDAT chunk at offset {pos} before the required PLTE chunk");
                    idatSeen = true;
                    idat.Write(body);
                    break;
                case "IEND":
                    iendSeen = true;
                    break;
                default:
                    // Bit 5 of the first type byte clear = critical chunk: a decoder must not ignore it.
                    if ((typeBytes[0] & 0x20) == 0) throw Error(file, $"unknown critical chunk {type} at offset {pos}");
                    break;
            }
            pos += 12 + (int)length;
        }

        if (!idatSeen) throw Error(file, "no IDAT chunk (image data missing)");
        var h = header!;
        byte[] raw = Inflate(idat, h, file);
        return new DecodedPng(h, palette, trns, raw, file);
    }

    private static string ChunkTypeName(ReadOnlySpan<byte> t)
    {
        Span<char> c = stackalloc char[4];
        for (int i = 0; i < 4; i++) c[i] = t[i] is >= 0x21 and < 0x7F ? (char)t[i] : '?';
        return new string(c);
    }

    internal sealed record Header(int Width, int Height, int BitDepth, int ColorType, bool Interlaced)
    {
        public int SamplesPerPixel => ColorType switch { 0 => 1, 2 => 3, 3 => 1, 4 => 2, _ => 4 };
        public int BitsPerPixel => SamplesPerPixel * BitDepth;
        /// <summary>Filter distance: bytes per complete pixel, at least 1.</summary>
        public int FilterBpp => Math.Max(1, BitsPerPixel / 8);
        public long RowBytes(int width) => ((long)width * BitsPerPixel + 7) / 8;
    }

    private static Header ParseHeader(ReadOnlySpan<byte> b, string? file, int pos)
    {
        if (b.Length != 13) throw Error(file, $"IHDR chunk at offset {pos} has length {b.Length}, expected 13");
        uint w = BinaryPrimitives.ReadUInt32BigEndian(b);
        uint hgt = BinaryPrimitives.ReadUInt32BigEndian(b[4..]);
        int depth = b[8], color = b[9], compression = b[10], filter = b[11], interlace = b[12];
        if (w == 0 || hgt == 0 || w > int.MaxValue || hgt > int.MaxValue)
            throw Error(file, $"invalid image size {w}x{hgt} in IHDR");
        bool ok = color switch
        {
            0 => depth is 1 or 2 or 4 or 8 or 16,
            3 => depth is 1 or 2 or 4 or 8,
            2 or 4 or 6 => depth is 8 or 16,
            _ => false,
        };
        if (!ok) throw Error(file, $"invalid color type {color} / bit depth {depth} combination in IHDR");
        if (compression != 0) throw Error(file, $"unknown compression method {compression} in IHDR");
        if (filter != 0) throw Error(file, $"unknown filter method {filter} in IHDR");
        if (interlace > 1) throw Error(file, $"unknown interlace method {interlace} in IHDR");
        return new Header((int)w, (int)hgt, depth, color, interlace == 1);
    }

    private static byte[] ValidateTrns(ReadOnlySpan<byte> b, Header h, byte[]? palette, string? file, int pos)
    {
        switch (h.ColorType)
        {
            case 0:
                if (b.Length != 2) throw Error(file, $"tRNS chunk at offset {pos} has length {b.Length}, expected 2 for grayscale");
                break;
            case 2:
                if (b.Length != 6) throw Error(file, $"tRNS chunk at offset {pos} has length {b.Length}, expected 6 for RGB");
                break;
            case 3:
                if (palette is null) throw Error(file, $"tRNS chunk at offset {pos} before PLTE");
                if (b.Length > palette.Length / 3)
                    throw Error(file, $"tRNS chunk at offset {pos} has {b.Length} entries but the palette has {palette.Length / 3}");
                break;
            default:
                throw Error(file, $"tRNS chunk at offset {pos} in an image that already has an alpha channel");
        }
        return b.ToArray();
    }

    /// <summary>Adam7 passes: x start, y start, x step, y step.</summary>
    internal static readonly (int X0, int Y0, int DX, int DY)[] Adam7 =
    [
        (0, 0, 8, 8), (4, 0, 8, 8), (0, 4, 4, 8), (2, 0, 4, 4), (0, 2, 2, 4), (1, 0, 2, 2), (0, 1, 1, 2),
    ];

    internal static int PassSize(int full, int start, int step) => full <= start ? 0 : (full - start + step - 1) / step;

    private static long RawSize(Header h)
    {
        if (!h.Interlaced) return (h.RowBytes(h.Width) + 1) * h.Height;
        long total = 0;
        foreach (var p in Adam7)
        {
            int pw = PassSize(h.Width, p.X0, p.DX), ph = PassSize(h.Height, p.Y0, p.DY);
            if (pw == 0 || ph == 0) continue;
            total += (h.RowBytes(pw) + 1) * ph;
        }
        return total;
    }

    private static byte[] Inflate(MemoryStream idat, Header h, string? file)
    {
        if ((long)h.Width * h.Height > MaxPixels) throw Error(file, $"image {h.Width}x{h.Height} is too large (more than {MaxPixels} pixels)");
        long need = RawSize(h);
        if (need > MaxRawBytes) throw Error(file, $"image {h.Width}x{h.Height} is too large ({need} bytes of scanlines)");
        // Deflate cannot expand data by more than ~1032:1, so fewer compressed bytes than this cannot hold the image:
        // reject before allocating a huge buffer for a truncated or lying file.
        if (need > (idat.Length + 64) * 1040)
            throw Error(file, $"IDAT data too short: {idat.Length} compressed bytes cannot hold {need} bytes of scanlines");
        var raw = new byte[need];
        idat.Position = 0;
        int got;
        try
        {
            using var z = new ZLibStream(idat, CompressionMode.Decompress, leaveOpen: true);
            got = z.ReadAtLeast(raw, raw.Length, throwOnEndOfStream: false);
        }
        catch (Exception ex) when (ex is InvalidDataException or IOException)
        {
            // InvalidDataException for bad deflate data; ZLibException (an IOException) for some bad zlib streams.
            throw new InvalidImageException(
                (string.IsNullOrEmpty(file) ? "" : file + ": ") + $"corrupt zlib data in IDAT ({ex.Message})", ex);
        }
        if (got < need) throw Error(file, $"IDAT data too short: decompressed {got} of {need} scanline bytes");
        return raw;
    }

    /// <summary>Reverses the five PNG filters in place (filter type byte + row per scanline).</summary>
    internal static void Unfilter(byte[] raw, int offset, int rows, int rowBytes, int bpp, string? file)
    {
        int stride = rowBytes + 1;
        for (int y = 0; y < rows; y++)
        {
            int start = offset + y * stride;
            int ft = raw[start];
            var cur = raw.AsSpan(start + 1, rowBytes);
            var prev = y == 0 ? Span<byte>.Empty : raw.AsSpan(start - stride + 1, rowBytes);
            switch (ft)
            {
                case 0:
                    break;
                case 1: // Sub: x + a
                    for (int i = bpp; i < rowBytes; i++) cur[i] += cur[i - bpp];
                    break;
                case 2: // Up: x + b
                    if (!prev.IsEmpty)
                        for (int i = 0; i < rowBytes; i++) cur[i] += prev[i];
                    break;
                case 3: // Average: x + floor((a + b) / 2)
                    if (prev.IsEmpty)
                    {
                        for (int i = bpp; i < rowBytes; i++) cur[i] += (byte)(cur[i - bpp] >> 1);
                    }
                    else
                    {
                        for (int i = 0; i < bpp && i < rowBytes; i++) cur[i] += (byte)(prev[i] >> 1);
                        for (int i = bpp; i < rowBytes; i++) cur[i] += (byte)((cur[i - bpp] + prev[i]) >> 1);
                    }
                    break;
                case 4: // Paeth
                    if (prev.IsEmpty)
                    {
                        for (int i = bpp; i < rowBytes; i++) cur[i] += cur[i - bpp]; // Paeth(a, 0, 0) = a
                    }
                    else
                    {
                        for (int i = 0; i < bpp && i < rowBytes; i++) cur[i] += prev[i]; // Paeth(0, b, 0) = b
                        for (int i = bpp; i < rowBytes; i++) cur[i] += Paeth(cur[i - bpp], prev[i], prev[i - bpp]);
                    }
                    break;
                default:
                    throw Error(file, $"invalid filter type {ft} on scanline {y}");
            }
        }
    }

    internal static byte Paeth(byte a, byte b, byte c)
    {
        int p = a + b - c;
        int pa = Math.Abs(p - a), pb = Math.Abs(p - b), pc = Math.Abs(p - c);
        if (pa <= pb && pa <= pc) return a;
        return pb <= pc ? b : c;
    }

    /// <summary>Unfiltered scanlines plus what is needed to turn them into pixels.</summary>
    private sealed class DecodedPng(Header h, byte[]? palette, byte[]? trns, byte[] raw, string? file)
    {
        private readonly int _channels = h.SamplesPerPixel;
        private readonly int _paletteCount = palette is null ? 0 : palette.Length / 3;

        /// <summary>Calls <paramref name="row"/>(y, x0, dx, width, rowSpan) for every unfiltered scanline.</summary>
        private void ForEachRow(Action<int, int, int, int, byte[], int> row)
        {
            int bpp = h.FilterBpp;
            if (!h.Interlaced)
            {
                int rb = (int)h.RowBytes(h.Width);
                Unfilter(raw, 0, h.Height, rb, bpp, file);
                for (int y = 0; y < h.Height; y++) row(y, 0, 1, h.Width, raw, y * (rb + 1) + 1);
                return;
            }
            int offset = 0;
            foreach (var p in Adam7)
            {
                int pw = PassSize(h.Width, p.X0, p.DX), ph = PassSize(h.Height, p.Y0, p.DY);
                if (pw == 0 || ph == 0) continue;
                int rb = (int)h.RowBytes(pw);
                Unfilter(raw, offset, ph, rb, bpp, file);
                for (int r = 0; r < ph; r++) row(p.Y0 + r * p.DY, p.X0, p.DX, pw, raw, offset + r * (rb + 1) + 1);
                offset += (rb + 1) * ph;
            }
        }

        /// <summary>Raw sample i (0-based) of a scanline whose data starts at <paramref name="at"/>.</summary>
        private int Sample(byte[] data, int at, int i)
        {
            switch (h.BitDepth)
            {
                case 8: return data[at + i];
                case 16: return (data[at + 2 * i] << 8) | data[at + 2 * i + 1];
                default:
                    int bit = i * h.BitDepth;
                    int shift = 8 - h.BitDepth - (bit & 7);
                    return (data[at + (bit >> 3)] >> shift) & ((1 << h.BitDepth) - 1);
            }
        }

        private bool HasAlpha => h.ColorType is 4 or 6 || trns is not null;

        private int PaletteIndex(byte[] data, int at, int x, int y, int outX)
        {
            int idx = Sample(data, at, x);
            if (idx >= _paletteCount)
                throw Error(file, $"palette index {idx} at pixel ({outX},{y}) is outside the {_paletteCount}-entry palette");
            return idx;
        }

        public RawImage ToRawImage()
        {
            RawPixelFormat fmt = HasAlpha ? RawPixelFormat.Rgba32 : h.ColorType == 0 ? RawPixelFormat.Gray8 : RawPixelFormat.Rgb24;
            int obpp = fmt.BytesPerPixel();
            var outp = new byte[(long)h.Width * h.Height * obpp];
            int depth = h.BitDepth;
            int maxv = (1 << depth) - 1;
            int trGray = -1, trR = -1, trG = -1, trB = -1;
            if (trns is not null && h.ColorType == 0) trGray = (trns[0] << 8) | trns[1];
            if (trns is not null && h.ColorType == 2)
            {
                trR = (trns[0] << 8) | trns[1]; trG = (trns[2] << 8) | trns[3]; trB = (trns[4] << 8) | trns[5];
            }
            int ch = _channels;

            ForEachRow((y, x0, dx, w, data, at) =>
            {
                int o = (y * h.Width + x0) * obpp;
                int ostep = dx * obpp;
                // Fast path: 8-bit samples whose layout already matches the output.
                if (depth == 8 && dx == 1 && (h.ColorType == 6 || (trns is null && h.ColorType is 0 or 2)))
                {
                    Buffer.BlockCopy(data, at, outp, o, w * obpp);
                    return;
                }
                for (int x = 0; x < w; x++, o += ostep)
                {
                    switch (h.ColorType)
                    {
                        case 0:
                        {
                            int v = Sample(data, at, x);
                            byte g = To8(v, depth, maxv);
                            outp[o] = g;
                            if (obpp == 4)
                            {
                                outp[o + 1] = g; outp[o + 2] = g;
                                outp[o + 3] = v == trGray ? (byte)0 : (byte)255;
                            }
                            break;
                        }
                        case 2:
                        {
                            int r = Sample(data, at, 3 * x), g = Sample(data, at, 3 * x + 1), b = Sample(data, at, 3 * x + 2);
                            outp[o] = To8(r, depth, maxv); outp[o + 1] = To8(g, depth, maxv); outp[o + 2] = To8(b, depth, maxv);
                            if (obpp == 4) outp[o + 3] = r == trR && g == trG && b == trB ? (byte)0 : (byte)255;
                            break;
                        }
                        case 3:
                        {
                            int idx = PaletteIndex(data, at, x, y, x0 + x * dx);
                            outp[o] = palette![3 * idx]; outp[o + 1] = palette[3 * idx + 1]; outp[o + 2] = palette[3 * idx + 2];
                            if (obpp == 4) outp[o + 3] = idx < trns!.Length ? trns[idx] : (byte)255;
                            break;
                        }
                        case 4:
                        {
                            byte g = To8(Sample(data, at, 2 * x), depth, maxv);
                            outp[o] = g; outp[o + 1] = g; outp[o + 2] = g;
                            outp[o + 3] = To8(Sample(data, at, 2 * x + 1), depth, maxv);
                            break;
                        }
                        default:
                            for (int c = 0; c < 4; c++) outp[o + c] = To8(Sample(data, at, ch * x + c), depth, maxv);
                            break;
                    }
                }
            });
            return new RawImage(h.Width, h.Height, fmt, outp);
        }

        private static byte To8(int v, int depth, int maxv) => depth switch
        {
            8 => (byte)v,
            16 => (byte)((v * 255 + 32767) / 65535),
            _ => (byte)(v * 255 / maxv),
        };

        private static ushort To16(int v, int depth, int maxv) => depth == 16 ? (ushort)v : (ushort)(v * 65535 / maxv);

        public PngImage16 ToImage16()
        {
            int outCh = h.ColorType switch
            {
                0 => trns is null ? 1 : 2,
                2 => trns is null ? 3 : 4,
                3 => trns is null ? 3 : 4,
                4 => 2,
                _ => 4,
            };
            var outp = new ushort[(long)h.Width * h.Height * outCh];
            int depth = h.BitDepth, maxv = (1 << depth) - 1;
            ForEachRow((y, x0, dx, w, data, at) =>
            {
                int o = (y * h.Width + x0) * outCh;
                for (int x = 0; x < w; x++, o += dx * outCh)
                {
                    if (h.ColorType == 3)
                    {
                        int idx = PaletteIndex(data, at, x, y, x0 + x * dx);
                        for (int c = 0; c < 3; c++) outp[o + c] = (ushort)(palette![3 * idx + c] * 257);
                        if (outCh == 4) outp[o + 3] = (ushort)((idx < trns!.Length ? trns[idx] : 255) * 257);
                        continue;
                    }
                    bool transparent = trns is not null;
                    for (int c = 0; c < _channels; c++)
                    {
                        int v = Sample(data, at, _channels * x + c);
                        if (trns is not null && v != ((trns[2 * c] << 8) | trns[2 * c + 1])) transparent = false;
                        outp[o + c] = To16(v, depth, maxv);
                    }
                    if (trns is not null) outp[o + _channels] = transparent ? (ushort)0 : (ushort)65535;
                }
            });
            return new PngImage16(h.Width, h.Height, outCh, outp);
        }
    }
}
