using System.Buffers.Binary;
using System.Numerics;

namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// Windows BMP decoder: 1/4/8-bit palette, 16/24/32-bit BI_RGB, 16/32-bit BI_BITFIELDS, bottom-up or
/// top-down rows; OS/2 core and BITMAPINFOHEADER through V5 headers. RLE-compressed files are rejected.
/// Output: Rgb24, or Rgba32 when a bitfield alpha mask is present.
/// </summary>
public static class BmpDecoder
{
    private const long MaxPixels = 1L << 28;

    public static bool IsBmp(ReadOnlySpan<byte> data) => data.Length >= 2 && data[0] == (byte)'B' && data[1] == (byte)'M';

    private static InvalidImageException Error(string? file, string what) => InvalidImageException.For(file, what);

    public static RawImage Decode(ReadOnlySpan<byte> data, string? fileName = null)
    {
        string? file = fileName;
        if (!IsBmp(data)) throw Error(file, "not a BMP file (missing 'BM' signature)");
        if (data.Length < 18) throw Error(file, $"truncated BMP file header ({data.Length} bytes)");
        uint pixelOffset = BinaryPrimitives.ReadUInt32LittleEndian(data[10..]);
        uint dibSize = BinaryPrimitives.ReadUInt32LittleEndian(data[14..]);
        if (dibSize is not (12 or 40 or 52 or 56 or 64 or 108 or 124))
            throw Error(file, $"unsupported BMP info header size {dibSize}");
        if (data.Length < 14 + dibSize) throw Error(file, $"truncated BMP info header (need {14 + dibSize} bytes, file has {data.Length})");
        var dib = data.Slice(14, (int)dibSize);

        int width, height, bpp;
        uint compression = 0, colorsUsed = 0;
        if (dibSize == 12)
        {
            width = BinaryPrimitives.ReadUInt16LittleEndian(dib[4..]);
            height = BinaryPrimitives.ReadInt16LittleEndian(dib[6..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(dib[10..]);
        }
        else
        {
            width = BinaryPrimitives.ReadInt32LittleEndian(dib[4..]);
            height = BinaryPrimitives.ReadInt32LittleEndian(dib[8..]);
            bpp = BinaryPrimitives.ReadUInt16LittleEndian(dib[14..]);
            compression = BinaryPrimitives.ReadUInt32LittleEndian(dib[16..]);
            colorsUsed = BinaryPrimitives.ReadUInt32LittleEndian(dib[32..]);
        }
        if (dibSize == 64 && compression is 3 or 4) // OS/2 2.x reuses these codes for Huffman 1D and RLE24
            throw Error(file, $"OS/2 BMP compression {compression} ({(compression == 3 ? "Huffman 1D" : "RLE24")}) is not supported");
        bool topDown = height < 0;
        if (height == int.MinValue) throw Error(file, "invalid BMP height");
        height = Math.Abs(height);
        if (width <= 0 || height <= 0) throw Error(file, $"invalid BMP size {width}x{height}");
        if ((long)width * height > MaxPixels) throw Error(file, $"BMP {width}x{height} is too large");
        if (bpp is not (1 or 4 or 8 or 16 or 24 or 32)) throw Error(file, $"unsupported BMP bit depth {bpp}");

        uint rMask = 0, gMask = 0, bMask = 0, aMask = 0;
        int afterHeader = 14 + (int)dibSize;
        switch (compression)
        {
            case 0: // BI_RGB
                if (bpp == 16) { rMask = 0x7C00; gMask = 0x03E0; bMask = 0x001F; }
                break;
            case 3: // BI_BITFIELDS
            case 6: // BI_ALPHABITFIELDS
                if (bpp is not (16 or 32)) throw Error(file, $"BI_BITFIELDS with bit depth {bpp} (only 16 and 32 are valid)");
                int maskCount = compression == 6 ? 4 : 3;
                ReadOnlySpan<byte> masks;
                if (dibSize >= 52)
                {
                    masks = dib[40..];
                    if (dibSize >= 56) maskCount = 4;
                }
                else
                {
                    if (data.Length < afterHeader + 4 * maskCount) throw Error(file, "truncated BMP color masks");
                    masks = data.Slice(afterHeader, 4 * maskCount);
                    afterHeader += 4 * maskCount;
                }
                rMask = BinaryPrimitives.ReadUInt32LittleEndian(masks);
                gMask = BinaryPrimitives.ReadUInt32LittleEndian(masks[4..]);
                bMask = BinaryPrimitives.ReadUInt32LittleEndian(masks[8..]);
                if (maskCount == 4) aMask = BinaryPrimitives.ReadUInt32LittleEndian(masks[12..]);
                if (rMask == 0 || gMask == 0 || bMask == 0) throw Error(file, "BI_BITFIELDS with an empty color mask");
                foreach (uint m in (ReadOnlySpan<uint>)[rMask, gMask, bMask, aMask])
                    if (!IsContiguous(m)) throw Error(file, $"BI_BITFIELDS mask 0x{m:X8} is not a contiguous bit run");
                break;
            case 1:
            case 2:
                throw Error(file, $"RLE{(compression == 1 ? 8 : 4)}-compressed BMP is not supported");
            default:
                throw Error(file, $"unsupported BMP compression {compression}");
        }

        byte[]? palette = null; // BGR triples
        int paletteCount = 0;
        if (bpp <= 8)
        {
            int entrySize = dibSize == 12 ? 3 : 4;
            paletteCount = colorsUsed == 0 ? 1 << bpp : (int)Math.Min(colorsUsed, 256u);
            if (colorsUsed > 256) throw Error(file, $"BMP declares {colorsUsed} palette colors (at most 256)");
            if (data.Length < afterHeader + (long)paletteCount * entrySize) throw Error(file, "truncated BMP palette");
            palette = new byte[paletteCount * 3];
            for (int i = 0; i < paletteCount; i++)
            {
                int p = afterHeader + i * entrySize;
                palette[3 * i] = data[p]; palette[3 * i + 1] = data[p + 1]; palette[3 * i + 2] = data[p + 2];
            }
        }

        long rowBytes = (((long)width * bpp + 31) / 32) * 4;
        long need = rowBytes * height;
        if (pixelOffset > data.Length || data.Length - pixelOffset < need)
            throw Error(file, $"truncated BMP pixel data at offset {pixelOffset} (need {need} bytes, file has {Math.Max(0, data.Length - (long)pixelOffset)})");

        bool alpha = aMask != 0;
        var fmt = alpha ? RawPixelFormat.Rgba32 : RawPixelFormat.Rgb24;
        int obpp = fmt.BytesPerPixel();
        var outp = new byte[(long)width * height * obpp];
        var (rs, rb) = MaskShift(rMask);
        var (gs, gb) = MaskShift(gMask);
        var (bs, bbits) = MaskShift(bMask);
        var (as_, ab) = MaskShift(aMask);

        for (int y = 0; y < height; y++)
        {
            int srcRow = topDown ? y : height - 1 - y;
            var row = data.Slice((int)(pixelOffset + srcRow * rowBytes), (int)rowBytes);
            int o = y * width * obpp;
            for (int x = 0; x < width; x++, o += obpp)
            {
                switch (bpp)
                {
                    case 1:
                    case 4:
                    case 8:
                    {
                        int bit = x * bpp;
                        int idx = (row[bit >> 3] >> (8 - bpp - (bit & 7))) & ((1 << bpp) - 1);
                        if (idx >= paletteCount)
                            throw Error(file, $"palette index {idx} at pixel ({x},{y}) is outside the {paletteCount}-entry palette");
                        outp[o] = palette![3 * idx + 2]; outp[o + 1] = palette[3 * idx + 1]; outp[o + 2] = palette[3 * idx];
                        break;
                    }
                    case 24:
                        outp[o] = row[3 * x + 2]; outp[o + 1] = row[3 * x + 1]; outp[o + 2] = row[3 * x];
                        break;
                    case 32 when compression == 0:
                        outp[o] = row[4 * x + 2]; outp[o + 1] = row[4 * x + 1]; outp[o + 2] = row[4 * x];
                        break;
                    default:
                    {
                        uint v = bpp == 16 ? BinaryPrimitives.ReadUInt16LittleEndian(row[(2 * x)..])
                                           : BinaryPrimitives.ReadUInt32LittleEndian(row[(4 * x)..]);
                        outp[o] = Extract(v, rMask, rs, rb);
                        outp[o + 1] = Extract(v, gMask, gs, gb);
                        outp[o + 2] = Extract(v, bMask, bs, bbits);
                        if (alpha) outp[o + 3] = Extract(v, aMask, as_, ab);
                        break;
                    }
                }
            }
        }
        return new RawImage(width, height, fmt, outp);
    }

    private static bool IsContiguous(uint m)
    {
        if (m == 0) return true;
        uint shifted = m >> BitOperations.TrailingZeroCount(m);
        return (shifted & (shifted + 1)) == 0;
    }

    private static (int Shift, int Bits) MaskShift(uint mask) =>
        mask == 0 ? (0, 0) : (BitOperations.TrailingZeroCount(mask), BitOperations.PopCount(mask));

    /// <summary>Masked field scaled to 8 bits with rounding: v * 255 / (2^bits - 1).</summary>
    private static byte Extract(uint v, uint mask, int shift, int bits)
    {
        ulong f = (v & mask) >> shift;
        if (bits == 8) return (byte)f;
        ulong max = (1UL << bits) - 1;
        return (byte)((f * 255 + max / 2) / max);
    }
}
