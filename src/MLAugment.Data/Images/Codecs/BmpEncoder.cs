using System.Buffers.Binary;

namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// BMP encoder: bottom-up rows. Images with alpha are written as 32-bit BI_BITFIELDS with a
/// BITMAPV4HEADER carrying an alpha mask (the form GIMP, Windows and libraries read back with alpha);
/// gray and RGB images as 24-bit BI_RGB with a BITMAPINFOHEADER.
/// </summary>
public static class BmpEncoder
{
    public static void Encode(RawImage image, Stream output)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(output);
        bool alpha = image.Format.HasAlpha();
        var src = alpha ? image.ToBgra32() : image.Format == RawPixelFormat.Rgb24 ? image : image.ToRgb24();
        int w = src.Width, h = src.Height;
        int bpp = alpha ? 32 : 24;
        int rowBytes = ((w * bpp + 31) / 32) * 4;
        int dibSize = alpha ? 108 : 40;
        int offset = 14 + dibSize;
        long fileSize = offset + (long)rowBytes * h;
        if (fileSize > uint.MaxValue) throw new ArgumentException($"A {w}x{h} image is too large for BMP.", nameof(image));

        var head = new byte[offset];
        head[0] = (byte)'B'; head[1] = (byte)'M';
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(2), (uint)fileSize);
        BinaryPrimitives.WriteUInt32LittleEndian(head.AsSpan(10), (uint)offset);
        var dib = head.AsSpan(14);
        BinaryPrimitives.WriteUInt32LittleEndian(dib, (uint)dibSize);
        BinaryPrimitives.WriteInt32LittleEndian(dib[4..], w);
        BinaryPrimitives.WriteInt32LittleEndian(dib[8..], h);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[12..], 1);
        BinaryPrimitives.WriteUInt16LittleEndian(dib[14..], (ushort)bpp);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[16..], alpha ? 3u : 0u);
        BinaryPrimitives.WriteUInt32LittleEndian(dib[20..], (uint)(rowBytes * h));
        BinaryPrimitives.WriteInt32LittleEndian(dib[24..], 2835); // 72 dpi
        BinaryPrimitives.WriteInt32LittleEndian(dib[28..], 2835);
        if (alpha)
        {
            BinaryPrimitives.WriteUInt32LittleEndian(dib[40..], 0x00FF0000); // red
            BinaryPrimitives.WriteUInt32LittleEndian(dib[44..], 0x0000FF00); // green
            BinaryPrimitives.WriteUInt32LittleEndian(dib[48..], 0x000000FF); // blue
            BinaryPrimitives.WriteUInt32LittleEndian(dib[52..], 0xFF000000); // alpha
            BinaryPrimitives.WriteUInt32LittleEndian(dib[56..], 0x73524742); // LCS_sRGB ('sRGB')
        }
        output.Write(head);

        var row = new byte[rowBytes];
        for (int y = h - 1; y >= 0; y--)
        {
            if (alpha)
            {
                Buffer.BlockCopy(src.Pixels, y * w * 4, row, 0, w * 4);
            }
            else
            {
                int s = y * w * 3;
                for (int x = 0; x < w; x++, s += 3)
                {
                    row[3 * x] = src.Pixels[s + 2]; row[3 * x + 1] = src.Pixels[s + 1]; row[3 * x + 2] = src.Pixels[s];
                }
            }
            output.Write(row);
        }
    }

    public static byte[] Encode(RawImage image)
    {
        var ms = new MemoryStream();
        Encode(image, ms);
        return ms.ToArray();
    }
}
