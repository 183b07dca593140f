using System.Text;

namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// Netpbm PBM/PGM/PPM: P1-P6, '#' comments in the header, maxval 1..65535. Samples are scaled to
/// 8 bits with rounding (v * 255 / maxval). Output: P1/P2/P4/P5 -> Gray8, P3/P6 -> Rgb24.
/// </summary>
public static class PnmDecoder
{
    private const long MaxPixels = 1L << 28;

    public static bool IsPnm(ReadOnlySpan<byte> data) =>
        data.Length >= 3 && data[0] == (byte)'P' && data[1] is >= (byte)'1' and <= (byte)'6' && IsSpace(data[2]);

    private static bool IsSpace(byte b) => b is (byte)' ' or (byte)'\t' or (byte)'\n' or (byte)'\r' or 0x0B or 0x0C;

    private static InvalidImageException Error(string? file, string what) => InvalidImageException.For(file, what);

    public static RawImage Decode(ReadOnlySpan<byte> data, string? fileName = null)
    {
        string? file = fileName;
        if (!IsPnm(data)) throw Error(file, "not a Netpbm file (expected P1..P6 magic)");
        int kind = data[1] - '0';
        int pos = 2;
        int width = ReadHeaderInt(data, ref pos, "width", file);
        int height = ReadHeaderInt(data, ref pos, "height", file);
        int maxval = kind is 1 or 4 ? 1 : ReadHeaderInt(data, ref pos, "maxval", file);
        if (width <= 0 || height <= 0) throw Error(file, $"invalid size {width}x{height}");
        if ((long)width * height > MaxPixels) throw Error(file, $"image {width}x{height} is too large");
        if (maxval is < 1 or > 65535) throw Error(file, $"maxval {maxval} outside 1..65535");

        bool color = kind is 3 or 6;
        int channels = color ? 3 : 1;
        var fmt = color ? RawPixelFormat.Rgb24 : RawPixelFormat.Gray8;
        long count = (long)width * height * channels;
        long minBytes = kind switch
        {
            1 => count,                            // one digit per pixel
            2 or 3 => 2 * count - 1,               // a digit and a separator per sample
            4 => (width + 7) / 8 * (long)height + 1,
            _ => count * (maxval < 256 ? 1 : 2) + 1,
        };
        // Check before allocating, so a 20-byte file cannot ask for a gigabyte.
        if (data.Length - pos < minBytes)
            throw Error(file, $"truncated pixel data: a {width}x{height} image needs at least {minBytes} more bytes, the file has {data.Length - pos}");
        var outp = new byte[count];

        if (kind is 1 or 2 or 3)
        {
            for (long i = 0; i < count; i++)
            {
                if (kind == 1)
                {
                    // PBM plain: digits need no separating whitespace; 1 = black.
                    SkipSpaceAndComments(data, ref pos);
                    if (pos >= data.Length) throw Error(file, $"truncated pixel data: got {i} of {count} samples");
                    byte c = data[pos++];
                    if (c is not ((byte)'0' or (byte)'1')) throw Error(file, $"invalid PBM digit '{(char)c}' at offset {pos - 1}");
                    outp[i] = c == '1' ? (byte)0 : (byte)255;
                    continue;
                }
                SkipSpaceAndComments(data, ref pos);
                if (pos >= data.Length) throw Error(file, $"truncated pixel data: got {i} of {count} samples");
                int v = ReadInt(data, ref pos, "sample", file);
                if (v > maxval) throw Error(file, $"sample {v} at offset {pos} exceeds maxval {maxval}");
                outp[i] = Scale(v, maxval);
            }
            return new RawImage(width, height, fmt, outp);
        }

        // Binary rasters follow exactly one whitespace byte after the last header field.
        if (pos >= data.Length || !IsSpace(data[pos])) throw Error(file, $"missing whitespace before raster at offset {pos}");
        pos++;
        if (kind == 4)
        {
            int rowBytes = (width + 7) / 8;
            if (data.Length - pos < (long)rowBytes * height)
                throw Error(file, $"truncated raster at offset {pos}: need {(long)rowBytes * height} bytes, have {data.Length - pos}");
            for (int y = 0; y < height; y++)
                for (int x = 0; x < width; x++)
                    outp[y * width + x] = ((data[pos + y * rowBytes + (x >> 3)] >> (7 - (x & 7))) & 1) != 0 ? (byte)0 : (byte)255;
            return new RawImage(width, height, fmt, outp);
        }

        int bytesPerSample = maxval < 256 ? 1 : 2;
        if (data.Length - pos < count * bytesPerSample)
            throw Error(file, $"truncated raster at offset {pos}: need {count * bytesPerSample} bytes, have {data.Length - pos}");
        for (long i = 0; i < count; i++)
        {
            int v = bytesPerSample == 1 ? data[pos + (int)i] : (data[pos + 2 * (int)i] << 8) | data[pos + 2 * (int)i + 1];
            if (v > maxval) throw Error(file, $"sample {v} at offset {pos + i * bytesPerSample} exceeds maxval {maxval}");
            outp[i] = Scale(v, maxval);
        }
        return new RawImage(width, height, fmt, outp);
    }

    private static byte Scale(int v, int maxval) => maxval == 255 ? (byte)v : (byte)((v * 255 + maxval / 2) / maxval);

    private static void SkipSpaceAndComments(ReadOnlySpan<byte> d, ref int pos)
    {
        while (pos < d.Length)
        {
            if (IsSpace(d[pos])) pos++;
            else if (d[pos] == '#')
            {
                while (pos < d.Length && d[pos] != '\n' && d[pos] != '\r') pos++;
            }
            else break;
        }
    }

    private static int ReadHeaderInt(ReadOnlySpan<byte> d, ref int pos, string what, string? file)
    {
        SkipSpaceAndComments(d, ref pos);
        if (pos >= d.Length) throw Error(file, $"truncated header: missing {what}");
        return ReadInt(d, ref pos, what, file);
    }

    private static int ReadInt(ReadOnlySpan<byte> d, ref int pos, string what, string? file)
    {
        int start = pos;
        long v = 0;
        while (pos < d.Length && d[pos] is >= (byte)'0' and <= (byte)'9')
        {
            v = v * 10 + (d[pos] - '0');
            if (v > int.MaxValue) throw Error(file, $"{what} at offset {start} is too large");
            pos++;
        }
        if (pos == start) throw Error(file, $"expected a decimal {what} at offset {start}, found byte 0x{d[start]:X2}");
        return (int)v;
    }
}
