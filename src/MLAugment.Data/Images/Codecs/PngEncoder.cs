using System.Buffers.Binary;
using System.IO.Compression;

namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// PNG encoder: 8-bit gray, RGB or RGBA (Bgra32 is written as RGBA), non-interlaced, one IDAT chunk.
/// Each scanline gets the filter that minimises the sum of absolute filtered bytes (the libpng heuristic).
/// </summary>
public static class PngEncoder
{
    public static void Encode(RawImage image, Stream output, CompressionLevel level = CompressionLevel.Optimal)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(output);
        if (image.Width == 0 || image.Height == 0)
            throw new ArgumentException($"PNG cannot store an empty {image.Width}x{image.Height} image.", nameof(image));

        var img = image.Format == RawPixelFormat.Bgra32 ? image.ToRgba32() : image;
        byte colorType = img.Format switch
        {
            RawPixelFormat.Gray8 => 0,
            RawPixelFormat.Rgb24 => 2,
            _ => 6,
        };
        int bpp = img.BytesPerPixel;
        int stride = img.Stride;

        output.Write(PngDecoder.Signature);
        Span<byte> ihdr = stackalloc byte[13];
        BinaryPrimitives.WriteUInt32BigEndian(ihdr, (uint)img.Width);
        BinaryPrimitives.WriteUInt32BigEndian(ihdr[4..], (uint)img.Height);
        ihdr[8] = 8; ihdr[9] = colorType; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;
        WriteChunk(output, "IHDR"u8, ihdr);

        var compressed = new MemoryStream();
        using (var z = new ZLibStream(compressed, level, leaveOpen: true))
        {
            var line = new byte[stride + 1];
            var best = new byte[stride + 1];
            for (int y = 0; y < img.Height; y++)
            {
                var cur = img.Pixels.AsSpan(y * stride, stride);
                var prev = y == 0 ? ReadOnlySpan<byte>.Empty : img.Pixels.AsSpan((y - 1) * stride, stride);
                long bestScore = long.MaxValue;
                for (byte f = 0; f <= 4; f++)
                {
                    line[0] = f;
                    long score = Filter(f, cur, prev, bpp, line.AsSpan(1));
                    if (score < bestScore) { bestScore = score; (best, line) = (line, best); }
                }
                z.Write(best);
            }
        }
        WriteChunk(output, "IDAT"u8, compressed.GetBuffer().AsSpan(0, (int)compressed.Length));
        WriteChunk(output, "IEND"u8, ReadOnlySpan<byte>.Empty);
    }

    public static byte[] Encode(RawImage image, CompressionLevel level = CompressionLevel.Optimal)
    {
        var ms = new MemoryStream();
        Encode(image, ms, level);
        return ms.ToArray();
    }

    /// <summary>Applies filter <paramref name="f"/>; returns the sum of |signed filtered byte| as the choice score.</summary>
    private static long Filter(byte f, ReadOnlySpan<byte> cur, ReadOnlySpan<byte> prev, int bpp, Span<byte> dst)
    {
        int n = cur.Length;
        bool top = prev.IsEmpty;
        switch (f)
        {
            case 0:
                cur.CopyTo(dst);
                break;
            case 1:
                cur[..Math.Min(bpp, n)].CopyTo(dst);
                for (int i = bpp; i < n; i++) dst[i] = (byte)(cur[i] - cur[i - bpp]);
                break;
            case 2:
                if (top) cur.CopyTo(dst);
                else for (int i = 0; i < n; i++) dst[i] = (byte)(cur[i] - prev[i]);
                break;
            case 3:
                for (int i = 0; i < n; i++)
                {
                    int a = i >= bpp ? cur[i - bpp] : 0, b = top ? 0 : prev[i];
                    dst[i] = (byte)(cur[i] - ((a + b) >> 1));
                }
                break;
            default:
                for (int i = 0; i < n; i++)
                {
                    byte a = i >= bpp ? cur[i - bpp] : (byte)0;
                    byte b = top ? (byte)0 : prev[i];
                    byte c = i >= bpp && !top ? prev[i - bpp] : (byte)0;
                    dst[i] = (byte)(cur[i] - PngDecoder.Paeth(a, b, c));
                }
                break;
        }
        long score = 0;
        for (int i = 0; i < n; i++) score += Math.Abs((int)(sbyte)dst[i]);
        return score;
    }

    private static void WriteChunk(Stream s, ReadOnlySpan<byte> type, ReadOnlySpan<byte> data)
    {
        Span<byte> word = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32BigEndian(word, (uint)data.Length);
        s.Write(word);
        s.Write(type);
        s.Write(data);
        uint crc = Crc32.Update(Crc32.Update(0xFFFFFFFFu, type), data) ^ 0xFFFFFFFFu;
        BinaryPrimitives.WriteUInt32BigEndian(word, crc);
        s.Write(word);
    }
}
