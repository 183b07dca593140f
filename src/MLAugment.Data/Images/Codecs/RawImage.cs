namespace MLAugment.Data.Images.Codecs;

/// <summary>
/// A decoded image: row-major, tightly packed pixels (stride = Width * bytes per pixel), 8 bits per channel.
/// This is the codec layer's output and input; the data layer's MLImage wraps it.
/// </summary>
public sealed class RawImage
{
    public int Width { get; }
    public int Height { get; }
    public RawPixelFormat Format { get; }
    public byte[] Pixels { get; }

    public int BytesPerPixel => Format.BytesPerPixel();
    public int Stride => Width * BytesPerPixel;

    public RawImage(int width, int height, RawPixelFormat format, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(width);
        ArgumentOutOfRangeException.ThrowIfNegative(height);
        ArgumentNullException.ThrowIfNull(pixels);
        long expected = (long)width * height * format.BytesPerPixel();
        if (pixels.LongLength != expected)
            throw new ArgumentException(
                $"Pixel buffer has {pixels.LongLength} bytes but a {width}x{height} {format} image needs {expected}.",
                nameof(pixels));
        Width = width;
        Height = height;
        Format = format;
        Pixels = pixels;
    }

    /// <summary>A zero-filled image.</summary>
    public RawImage(int width, int height, RawPixelFormat format)
        : this(width, height, format, new byte[checked(width * height * format.BytesPerPixel())]) { }

    public RawImage Clone() => new(Width, Height, Format, (byte[])Pixels.Clone());

    /// <summary>
    /// Converts to <paramref name="target"/>. Gray from color uses ITU-R BT.601 luma
    /// (Y = 0.299 R + 0.587 G + 0.114 B); dropping alpha discards it (no compositing);
    /// adding alpha makes the image opaque. Returns a new image even when the format already matches.
    /// </summary>
    public RawImage ConvertTo(RawPixelFormat target)
    {
        if (target == Format) return Clone();
        int n = Width * Height;
        var src = Pixels;
        int sb = BytesPerPixel;
        var dst = new byte[n * target.BytesPerPixel()];
        switch (target)
        {
            case RawPixelFormat.Gray8:
                for (int i = 0; i < n; i++)
                {
                    GetRgba(src, i * sb, out byte r, out byte g, out byte b, out _);
                    dst[i] = Luma601(r, g, b);
                }
                break;
            case RawPixelFormat.Rgb24:
                for (int i = 0, o = 0; i < n; i++, o += 3)
                {
                    GetRgba(src, i * sb, out dst[o], out dst[o + 1], out dst[o + 2], out _);
                }
                break;
            case RawPixelFormat.Rgba32:
                for (int i = 0, o = 0; i < n; i++, o += 4)
                {
                    GetRgba(src, i * sb, out dst[o], out dst[o + 1], out dst[o + 2], out dst[o + 3]);
                }
                break;
            case RawPixelFormat.Bgra32:
                for (int i = 0, o = 0; i < n; i++, o += 4)
                {
                    GetRgba(src, i * sb, out dst[o + 2], out dst[o + 1], out dst[o], out dst[o + 3]);
                }
                break;
            default:
                throw new ArgumentOutOfRangeException(nameof(target), target, "Unknown pixel format.");
        }
        return new RawImage(Width, Height, target, dst);
    }

    public RawImage ToGray8() => ConvertTo(RawPixelFormat.Gray8);
    public RawImage ToRgb24() => ConvertTo(RawPixelFormat.Rgb24);
    public RawImage ToRgba32() => ConvertTo(RawPixelFormat.Rgba32);
    public RawImage ToBgra32() => ConvertTo(RawPixelFormat.Bgra32);

    /// <summary>ITU-R BT.601 luma with integer rounding: (19595 R + 38470 G + 7471 B + 2^15) >> 16.</summary>
    public static byte Luma601(byte r, byte g, byte b) => (byte)((19595 * r + 38470 * g + 7471 * b + 32768) >> 16);

    private void GetRgba(byte[] src, int i, out byte r, out byte g, out byte b, out byte a)
    {
        switch (Format)
        {
            case RawPixelFormat.Gray8: r = g = b = src[i]; a = 255; break;
            case RawPixelFormat.Rgb24: r = src[i]; g = src[i + 1]; b = src[i + 2]; a = 255; break;
            case RawPixelFormat.Rgba32: r = src[i]; g = src[i + 1]; b = src[i + 2]; a = src[i + 3]; break;
            default: b = src[i]; g = src[i + 1]; r = src[i + 2]; a = src[i + 3]; break;
        }
    }
}
